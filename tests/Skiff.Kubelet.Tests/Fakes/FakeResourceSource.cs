using Skiff.Kubelet.Nodes;

namespace Skiff.Kubelet.Tests.Fakes;

/// <summary>Resource readings set by the test; a healthy 8 GiB / 100 GiB node with few processes to start with.</summary>
public sealed class FakeResourceSource : INodeResourceSource
{
    public static readonly NodeResourceSample Healthy = new(
        MemoryAvailableBytes: 6L << 30,
        NodeFs: new FilesystemSample(60L << 30, 100L << 30),
        ImageFs: new FilesystemSample(60L << 30, 100L << 30),
        Processes: 300,
        PidMax: 32768);

    public NodeResourceSample Current { get; set; } = Healthy;

    /// <summary>When set, the next readings fail as an unreadable /proc would.</summary>
    public bool Fail { get; set; }

    public NodeResourceSample Sample() => Fail ? throw new IOException("cannot read /proc/meminfo") : Current;
}
