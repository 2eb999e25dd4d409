using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins;

/// <summary>Upstream's NodePorts: a host port (protocol, port, host IP) can be taken by one pod per node.</summary>
public sealed class NodePorts : IFilterPlugin
{
    public const string Reason = "node(s) didn't have free ports for the requested pod ports";

    public string Name => nameof(NodePorts);

    public IReadOnlyList<string>? Filter(SchedulingPod pod, NodeInfo node) =>
        NodeInfo.HostPorts(pod.Pod).Any(p => node.HostPortInUse(p.Protocol, p.Port, p.Ip)) ? [Reason] : null;
}
