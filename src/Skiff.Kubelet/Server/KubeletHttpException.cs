namespace Skiff.Kubelet.Server;

/// <summary>A request the kubelet server refuses; sent as a plain-text body with the status code, like the real kubelet.</summary>
public sealed class KubeletHttpException : Exception
{
    public KubeletHttpException(int statusCode, string message)
        : base(message)
    {
        StatusCode = statusCode;
    }

    public KubeletHttpException()
        : this(500, "internal error")
    {
    }

    public KubeletHttpException(string message)
        : this(500, message)
    {
    }

    public KubeletHttpException(string message, Exception innerException)
        : base(message, innerException)
    {
        StatusCode = 500;
    }

    public int StatusCode { get; }
}
