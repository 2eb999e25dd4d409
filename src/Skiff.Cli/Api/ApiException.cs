using System.Net;
using System.Text.Json.Nodes;

namespace Skiff.Cli.Api;

/// <summary>A failed API call carrying the server's <c>metav1.Status</c> (or one made up from the HTTP status).</summary>
public sealed class ApiException : Exception
{
    public ApiException(HttpStatusCode code, string reason, string message, JsonObject? status = null)
        : base(message)
    {
        Code = code;
        Reason = reason;
        Status = status;
    }

    public ApiException()
    {
        Reason = string.Empty;
    }

    public ApiException(string message)
        : base(message)
    {
        Reason = string.Empty;
    }

    public ApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Reason = string.Empty;
    }

    public HttpStatusCode Code { get; }

    /// <summary>The Status reason, e.g. <c>NotFound</c>, <c>AlreadyExists</c>.</summary>
    public string Reason { get; }

    public JsonObject? Status { get; }

    public bool IsNotFound => Code == HttpStatusCode.NotFound;

    /// <summary>The same error with a prefix kubectl adds, e.g. <c>error when creating "pod.yaml": </c>.</summary>
    public ApiException WithPrefix(string prefix) => new(Code, Reason, prefix + Message, Status);

    /// <summary>kubectl's rendering of a server error (<c>StandardErrorMessage</c>).</summary>
    public string ToKubectlMessage() =>
        Reason == "Unauthorized" ? $"error: You must be logged in to the server ({Message})"
        : Reason.Length > 0 ? $"Error from server ({Reason}): {Message}"
        : $"Error from server: {Message}";

    /// <summary>Builds the error from a non-2xx response body the way client-go does.</summary>
    public static ApiException FromResponse(HttpStatusCode code, string body, string verb, string resourceDescription)
    {
        JsonObject? status = null;
        try
        {
            status = JsonNode.Parse(body) as JsonObject;
        }
        catch (System.Text.Json.JsonException)
        {
        }

        if (status is not null && (string?)status["kind"] == "Status")
        {
            var reason = (string?)status["reason"] ?? string.Empty;
            var message = (string?)status["message"] ?? string.Empty;
            if (reason.Length == 0)
            {
                reason = ReasonFor(code);
            }

            return new ApiException(code, reason, message, status);
        }

        var fallbackReason = ReasonFor(code);
        var text = code switch
        {
            HttpStatusCode.NotFound when string.IsNullOrWhiteSpace(body) => $"the server could not find the requested resource ({verb} {resourceDescription})",
            HttpStatusCode.NotFound => $"the server could not find the requested resource ({verb} {resourceDescription})",
            HttpStatusCode.Unauthorized => "the server has asked for the client to provide credentials" + $" ({verb} {resourceDescription})",
            HttpStatusCode.Forbidden => $"{body.Trim()} ({verb} {resourceDescription})",
            _ => $"an error on the server (\"{body.Trim()}\") has prevented the request from succeeding ({verb} {resourceDescription})",
        };
        return new ApiException(code, fallbackReason, text);
    }

    internal static string ReasonFor(HttpStatusCode code) => code switch
    {
        HttpStatusCode.BadRequest => "BadRequest",
        HttpStatusCode.Unauthorized => "Unauthorized",
        HttpStatusCode.Forbidden => "Forbidden",
        HttpStatusCode.NotFound => "NotFound",
        HttpStatusCode.MethodNotAllowed => "MethodNotAllowed",
        HttpStatusCode.NotAcceptable => "NotAcceptable",
        HttpStatusCode.Conflict => "Conflict",
        HttpStatusCode.Gone => "Gone",
        HttpStatusCode.UnsupportedMediaType => "UnsupportedMediaType",
        HttpStatusCode.UnprocessableEntity => "Invalid",
        HttpStatusCode.TooManyRequests => "TooManyRequests",
        HttpStatusCode.ServiceUnavailable => "ServiceUnavailable",
        HttpStatusCode.GatewayTimeout => "Timeout",
        _ => "InternalError",
    };
}
