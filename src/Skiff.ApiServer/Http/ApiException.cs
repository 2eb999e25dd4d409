using k8s.Models;

namespace Skiff.ApiServer.Http;

/// <summary>An API error carrying the <c>metav1.Status</c> that is sent to the client; nothing has been written.</summary>
public sealed class ApiException : Exception
{
    public ApiException(V1Status status)
        : base(status.Message)
    {
        Status = status;
    }

    public ApiException()
        : this(StatusErrors.Status(500, "InternalError", "internal error"))
    {
    }

    public ApiException(string message)
        : this(StatusErrors.Status(500, "InternalError", message))
    {
    }

    public ApiException(string message, Exception innerException)
        : base(message, innerException)
    {
        Status = StatusErrors.Status(500, "InternalError", message);
    }

    public V1Status Status { get; }

    public int Code => Status.Code ?? 500;
}
