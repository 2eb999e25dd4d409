namespace Skiff.Kubelet.Nodes;

/// <summary>Where the node's resource readings come from: the host (<see cref="HostResourceSource"/>) or a test.</summary>
public interface INodeResourceSource
{
    /// <summary>Reads the current values; throws <see cref="IOException"/> when the host cannot be read.</summary>
    NodeResourceSample Sample();
}
