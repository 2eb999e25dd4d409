using System.Net;
using k8s.Models;

namespace Skiff.Client.Api;

/// <summary>
/// The API answered a request with an error <see cref="V1Status"/> (or the connection failed:
/// <see cref="StatusCode"/> 0). The message is the server's.
/// </summary>
public sealed class ApiException : Exception
{
    public ApiException(HttpStatusCode statusCode, V1Status? status, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
        Status = status;
    }

    public ApiException()
    {
    }

    public ApiException(string message)
        : base(message)
    {
    }

    public ApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HttpStatusCode StatusCode { get; }

    /// <summary>The Status the server sent, when it sent one.</summary>
    public V1Status? Status { get; }

    /// <summary>The Status reason, e.g. <c>NotFound</c>, <c>AlreadyExists</c>, <c>Conflict</c>, <c>Expired</c>.</summary>
    public string? Reason => Status?.Reason;

    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;

    /// <summary>409 because the object already exists.</summary>
    public bool IsAlreadyExists => StatusCode == HttpStatusCode.Conflict && Reason == "AlreadyExists";

    /// <summary>409 because the resourceVersion (or a precondition) was stale.</summary>
    public bool IsConflict => StatusCode == HttpStatusCode.Conflict && Reason != "AlreadyExists";

    /// <summary>410: the revision asked for is older than the server keeps; list again.</summary>
    public bool IsGone => StatusCode == HttpStatusCode.Gone;

    public bool IsTooManyRequests => StatusCode == HttpStatusCode.TooManyRequests;

    public bool IsForbidden => StatusCode == HttpStatusCode.Forbidden;

    public bool IsInvalid => StatusCode == HttpStatusCode.UnprocessableEntity;

    /// <summary>A create refused because its namespace is being deleted (the Status has upstream's
    /// <c>NamespaceTerminating</c> cause): retrying cannot help.</summary>
    public bool IsNamespaceTerminating => HasCause("NamespaceTerminating");

    /// <summary>Whether the Status names a cause of this type (apimachinery's HasStatusCause).</summary>
    public bool HasCause(string type) => Status?.Details?.Causes?.Any(c => c.Reason == type) ?? false;
}
