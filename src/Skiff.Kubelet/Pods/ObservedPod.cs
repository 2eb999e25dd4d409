using Skiff.Cri.V1;

namespace Skiff.Kubelet.Pods;

/// <summary>What the runtime has of one pod: its sandboxes (newest first) and the containers of the newest one.</summary>
public sealed class ObservedPod
{
    public static readonly ObservedPod Empty = new([], null, []);

    public ObservedPod(IReadOnlyList<PodSandbox> sandboxes, string? podIp, IReadOnlyList<ContainerStatus> containers)
    {
        Sandboxes = sandboxes;
        PodIp = podIp;
        Containers = containers;
    }

    /// <summary>All sandboxes of the pod, newest (highest attempt, then latest created) first.</summary>
    public IReadOnlyList<PodSandbox> Sandboxes { get; }

    public PodSandbox? Sandbox => Sandboxes.Count > 0 ? Sandboxes[0] : null;

    public bool SandboxReady => Sandbox?.State == PodSandboxState.SandboxReady;

    /// <summary>The newest sandbox's IP while it is ready.</summary>
    public string? PodIp { get; }

    /// <summary>Containers of the newest sandbox.</summary>
    public IReadOnlyList<ContainerStatus> Containers { get; }

    /// <summary>The same sandboxes with other containers.</summary>
    public ObservedPod WithContainers(IReadOnlyList<ContainerStatus> containers) => new(Sandboxes, PodIp, containers);

    /// <summary>Instances of one container, newest (highest attempt) first.</summary>
    public IReadOnlyList<ContainerStatus> Instances(string name) =>
        Containers.Where(c => c.Metadata.Name == name)
            .OrderByDescending(c => c.Metadata.Attempt)
            .ThenByDescending(c => c.CreatedAt)
            .ToList();

    public ContainerStatus? Latest(string name) => Instances(name).FirstOrDefault();
}
