using k8s.Models;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins;
using static Skiff.Scheduler.Tests.Fixtures;

namespace Skiff.Scheduler.Tests;

/// <summary>NodeInfo keeps what the plugins read of a node in its own fields, read when the node changes: a node
/// updated through the cache must be judged by its new object, never by what the fields held before.</summary>
public sealed class NodeInfoTests
{
    private const string Zone = "topology.kubernetes.io/zone";

    [Fact]
    public void A_node_updated_in_the_cache_is_filtered_by_its_new_spec_and_status()
    {
        var cache = new SchedulerCache();
        cache.AddOrUpdateNode(Node("n1", cpu: "1", pods: "2", labels: Labels($"{Zone}=z1")));
        var info = cache.NodeNamed("n1")!;
        var pod = new PodInfo(Pod("p", cpu: "2"));
        Assert.Equal(["Insufficient cpu"], new NodeResourcesFit().Filter(pod, info, new CycleState())!.Reasons);
        Assert.Null(new NodeUnschedulable().Filter(pod, info, new CycleState()));

        var noSchedule = new V1Taint { Key = "dedicated", Value = "db", Effect = "NoSchedule" };
        cache.AddOrUpdateNode(Node("n1", cpu: "4", pods: "1", labels: Labels($"{Zone}=z2"), unschedulable: true, taints: noSchedule));
        Assert.Same(info, cache.NodeNamed("n1"));
        Assert.Equal(NodeUnschedulable.Cordoned, new NodeUnschedulable().Filter(pod, info, new CycleState()));
        Assert.Equal("node(s) had untolerated taint {dedicated: db}", new TaintToleration().Filter(pod, info, new CycleState())!.Reasons.Single());
        Assert.Equal(4000, info.Allocatable.MilliCpu);
        Assert.Equal("z2", info.Label(Zone));
        Assert.Null(new NodeResourcesFit().Filter(pod, info, new CycleState()));

        info.AddPod(new PodInfo(Pod("q", nodeName: "n1")));
        Assert.Equal(1, info.PodCount);
        Assert.Equal(["Too many pods"], new NodeResourcesFit().Filter(pod, info, new CycleState())!.Reasons);
        Assert.True(info.RemovePod("default/q"));
        Assert.Equal(0, info.PodCount);

        cache.AddOrUpdateNode(Node("n1", cpu: "4"));
        Assert.Null(new NodeUnschedulable().Filter(pod, info, new CycleState()));
        Assert.Null(new TaintToleration().Filter(pod, info, new CycleState()));
        Assert.Null(info.Label(Zone));
    }

    [Fact]
    public void Nodes_of_one_zone_share_one_zone_string()
    {
        var a = new NodeInfo(Node("a", labels: Labels($"{Zone}={new string(['z', '1'])}")));
        var b = new NodeInfo(Node("b", labels: Labels($"{Zone}={new string(['z', '1'])}")));
        Assert.Same(a.Label(Zone), b.Label(Zone));
    }
}
