using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Plugins;

/// <summary>Upstream's NodePorts: a pod's host ports must be free on the node (same port and protocol, overlapping
/// IP, 0.0.0.0 overlapping every IP).</summary>
public sealed class NodePorts : IFilterPlugin
{
    public static readonly FilterFailure Conflict = new("node(s) didn't have free ports for the requested pod ports", unresolvable: false);

    public string Name => "NodePorts";

    public FilterFailure? Filter(PodInfo pod, NodeInfo node, CycleState state)
    {
        if (pod.HostPorts.Count == 0)
        {
            return null;
        }

        foreach (var wanted in pod.HostPorts)
        {
            foreach (var used in node.UsedPorts)
            {
                if (wanted.ConflictsWith(used))
                {
                    return Conflict;
                }
            }
        }

        return null;
    }
}
