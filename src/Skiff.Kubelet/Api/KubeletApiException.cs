using System.Net;

namespace Skiff.Kubelet.Api;

/// <summary>An API call failed with <see cref="StatusCode"/>; the message is the server's.</summary>
public sealed class KubeletApiException : Exception
{
    public KubeletApiException(HttpStatusCode statusCode, string message, Exception? innerException = null)
        : base(message, innerException)
    {
        StatusCode = statusCode;
    }

    public KubeletApiException()
    {
    }

    public KubeletApiException(string message)
        : base(message)
    {
    }

    public KubeletApiException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    public HttpStatusCode StatusCode { get; }

    public bool IsConflict => StatusCode == HttpStatusCode.Conflict;

    public bool IsNotFound => StatusCode == HttpStatusCode.NotFound;
}
