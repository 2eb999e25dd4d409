namespace Skiff.Containerd;

/// <summary>containerd did not come up: it exited, or its CRI did not report ready in time.</summary>
public sealed class ContainerdStartException : Exception
{
    public ContainerdStartException()
    {
    }

    public ContainerdStartException(string message)
        : base(message)
    {
    }

    public ContainerdStartException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
