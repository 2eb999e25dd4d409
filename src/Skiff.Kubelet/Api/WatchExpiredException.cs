namespace Skiff.Kubelet.Api;

/// <summary>The watch's resourceVersion is older than the server keeps (410 Gone): list again.</summary>
public sealed class WatchExpiredException : Exception
{
    public WatchExpiredException()
        : base("the watch's resourceVersion is too old (410 Gone)")
    {
    }

    public WatchExpiredException(string message)
        : base(message)
    {
    }

    public WatchExpiredException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
