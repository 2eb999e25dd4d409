namespace Skiff.Kubelet.Pods;

/// <summary>The container's config cannot be built (a referenced ConfigMap, Secret or key is missing); reported as
/// the waiting reason CreateContainerConfigError with this message.</summary>
public sealed class ContainerConfigException : Exception
{
    public ContainerConfigException()
    {
    }

    public ContainerConfigException(string message)
        : base(message)
    {
    }

    public ContainerConfigException(string message, Exception innerException)
        : base(message, innerException)
    {
    }

    /// <summary>The pod volume that could not be set up, when the failure is a volume's.</summary>
    public string? Volume { get; init; }
}
