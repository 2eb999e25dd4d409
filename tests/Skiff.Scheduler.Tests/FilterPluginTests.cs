using k8s.Models;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins;
using static Skiff.Scheduler.Tests.Fixtures;

namespace Skiff.Scheduler.Tests;

/// <summary>The filter plugins on table fixtures, with the verdicts upstream's plugins give.</summary>
public sealed class FilterPluginTests
{
    private static string? Verdict(IFilterPlugin plugin, V1Pod pod, NodeInfo node, params NodeInfo[] cluster)
    {
        var info = new PodInfo(pod);
        var nodes = cluster.Length == 0 ? [node] : cluster;
        var state = new CycleState();
        state.Write(InterPodAffinity.AllNodesKey, nodes);
        var pre = plugin.PreFilter(info, nodes, state);
        if (pre is not null)
        {
            return string.Join(", ", pre.Reasons);
        }

        var failure = plugin.Filter(info, node, state);
        return failure is null ? null : string.Join(", ", failure.Reasons);
    }

    [Fact]
    public void Cordoned_node_rejects_pods_unless_they_tolerate_the_unschedulable_taint()
    {
        var cordoned = NodeInfo(Node("n1", unschedulable: true));
        Assert.Equal("node(s) were unschedulable", Verdict(new NodeUnschedulable(), Pod("p"), cordoned));
        var tolerant = Pod("t");
        tolerant.Spec.Tolerations = [new V1Toleration { Key = "node.kubernetes.io/unschedulable", OperatorProperty = "Exists", Effect = "NoSchedule" }];
        Assert.Null(Verdict(new NodeUnschedulable(), tolerant, cordoned));
        Assert.Null(Verdict(new NodeUnschedulable(), Pod("p"), NodeInfo(Node("n2"))));
    }

    [Theory]
    [InlineData("NoSchedule", null, null, null, "node(s) had untolerated taint {dedicated: gpu}")]
    [InlineData("NoExecute", null, null, null, "node(s) had untolerated taint {dedicated: gpu}")]
    [InlineData("PreferNoSchedule", null, null, null, null)]
    [InlineData("NoSchedule", "dedicated", "Equal", "gpu", null)]
    [InlineData("NoSchedule", "dedicated", "Equal", "cpu", "node(s) had untolerated taint {dedicated: gpu}")]
    [InlineData("NoSchedule", "dedicated", "Exists", null, null)]
    [InlineData("NoSchedule", null, "Exists", null, null)]
    public void Taints_need_a_matching_toleration(string effect, string? key, string? op, string? value, string? expected)
    {
        var node = NodeInfo(Node("n1", taints: new V1Taint { Key = "dedicated", Value = "gpu", Effect = effect }));
        var pod = Pod("p");
        if (op is not null)
        {
            pod.Spec.Tolerations = [new V1Toleration { Key = key, OperatorProperty = op, Value = value }];
        }

        Assert.Equal(expected, Verdict(new TaintToleration(), pod, node));
    }

    [Fact]
    public void Not_ready_taint_keeps_pods_off_a_node()
    {
        var node = NodeInfo(Node("n1", taints: new V1Taint { Key = "node.kubernetes.io/not-ready", Effect = "NoSchedule" }));
        Assert.Equal("node(s) had untolerated taint {node.kubernetes.io/not-ready: }", Verdict(new TaintToleration(), Pod("p"), node));
    }

    [Theory]
    [InlineData("In", "ssd", true)]
    [InlineData("NotIn", "ssd", false)]
    [InlineData("Exists", null, true)]
    [InlineData("DoesNotExist", null, false)]
    [InlineData("In", "hdd", false)]
    public void Required_node_affinity_and_node_selector(string op, string? value, bool fits)
    {
        var node = NodeInfo(Node("n1", labels: Labels("disk=ssd", "zone=a")));
        var pod = Pod("p");
        pod.Spec.Affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                {
                    NodeSelectorTerms = [new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "disk", OperatorProperty = op, Values = value is null ? null : [value] }] }],
                },
            },
        };
        Assert.Equal(fits ? null : "node(s) didn't match Pod's node affinity/selector", Verdict(new NodeAffinity(), pod, node));

        var selected = Pod("s");
        selected.Spec.NodeSelector = Labels("zone=b");
        Assert.Equal("node(s) didn't match Pod's node affinity/selector", Verdict(new NodeAffinity(), selected, node));
        selected.Spec.NodeSelector = Labels("zone=a");
        Assert.Null(Verdict(new NodeAffinity(), selected, node));
    }

    [Fact]
    public void Resources_count_existing_requests_init_containers_overhead_and_pod_count()
    {
        var node = NodeInfo(Node("n1", cpu: "2", memory: "1Gi", pods: "2"), Pod("a", cpu: "1500m", nodeName: "n1"));
        Assert.Null(Verdict(new NodeResourcesFit(), Pod("fits", cpu: "500m"), node));
        Assert.Equal("Insufficient cpu", Verdict(new NodeResourcesFit(), Pod("big", cpu: "600m"), node));
        Assert.Equal("Insufficient cpu, Insufficient memory", Verdict(new NodeResourcesFit(), Pod("both", cpu: "1", memory: "2Gi"), node));

        // Init containers: the largest one counts when it exceeds the sum of the app containers.
        var init = Pod("init", cpu: "100m");
        init.Spec.InitContainers = [new V1Container { Name = "i", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("600m") } } }];
        Assert.Equal(600, new PodInfo(init).Requests.MilliCpu);
        Assert.Equal("Insufficient cpu", Verdict(new NodeResourcesFit(), init, node));

        var overhead = Pod("overhead", cpu: "400m");
        overhead.Spec.Overhead = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("200m") };
        Assert.Equal("Insufficient cpu", Verdict(new NodeResourcesFit(), overhead, node));

        var full = NodeInfo(Node("n2", pods: "1"), Pod("a", nodeName: "n2"));
        Assert.Equal("Too many pods", Verdict(new NodeResourcesFit(), Pod("p"), full));
    }

    [Fact]
    public void Host_ports_conflict_on_same_port_and_protocol()
    {
        static V1Pod WithPort(string name, int port, string? ip = null, string protocol = "TCP")
        {
            var pod = Pod(name, nodeName: "n1");
            pod.Spec.Containers[0].Ports = [new V1ContainerPort { ContainerPort = 80, HostPort = port, HostIP = ip, Protocol = protocol }];
            return pod;
        }

        var node = NodeInfo(Node("n1"), WithPort("a", 8080, "127.0.0.1"));
        Assert.Equal("node(s) didn't have free ports for the requested pod ports", Verdict(new NodePorts(), WithPort("b", 8080), node));
        Assert.Null(Verdict(new NodePorts(), WithPort("c", 8080, "127.0.0.2"), node));
        Assert.Null(Verdict(new NodePorts(), WithPort("d", 8080, protocol: "UDP"), node));
        Assert.Null(Verdict(new NodePorts(), WithPort("e", 9090), node));
    }

    [Fact]
    public void Node_name_must_match()
    {
        var pod = Pod("p");
        pod.Spec.NodeName = "n2";
        Assert.Equal("node(s) didn't match the requested node name", Verdict(new NodeName(), pod, NodeInfo(Node("n1"))));
        Assert.Null(Verdict(new NodeName(), pod, NodeInfo(Node("n2"))));
    }

    private static V1PodAffinityTerm Term(string selector, string topologyKey = "kubernetes.io/hostname") =>
        new() { TopologyKey = topologyKey, LabelSelector = new V1LabelSelector { MatchLabels = Labels(selector) } };

    [Fact]
    public void Required_pod_anti_affinity_keeps_matching_pods_apart()
    {
        var n1 = NodeInfo(Node("n1"), Pod("web-1", labels: Labels("app=web"), nodeName: "n1"));
        var n2 = NodeInfo(Node("n2"));
        var pod = Pod("web-2", labels: Labels("app=web"));
        pod.Spec.Affinity = new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term("app=web")] } };
        Assert.Equal("node(s) didn't match pod anti-affinity rules", Verdict(new InterPodAffinity(), pod, n1, n1, n2));
        Assert.Null(Verdict(new InterPodAffinity(), pod, n2, n1, n2));
    }

    [Fact]
    public void Existing_pods_anti_affinity_is_honoured()
    {
        var guard = Pod("guard", labels: Labels("app=guard"), nodeName: "n1");
        guard.Spec.Affinity = new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term("app=web")] } };
        var n1 = NodeInfo(Node("n1"), guard);
        var n2 = NodeInfo(Node("n2"));
        Assert.Equal("node(s) didn't satisfy existing pods anti-affinity rules", Verdict(new InterPodAffinity(), Pod("web", labels: Labels("app=web")), n1, n1, n2));
        Assert.Null(Verdict(new InterPodAffinity(), Pod("db", labels: Labels("app=db")), n1, n1, n2));
    }

    [Fact]
    public void Required_pod_affinity_needs_a_matching_pod_in_the_domain_except_for_the_first_of_a_group()
    {
        var zoneA = Labels("topology.kubernetes.io/zone=a");
        var zoneB = Labels("topology.kubernetes.io/zone=b");
        var n1 = NodeInfo(Node("n1", labels: zoneA), Pod("cache", labels: Labels("app=cache"), nodeName: "n1"));
        var n2 = NodeInfo(Node("n2", labels: zoneA));
        var n3 = NodeInfo(Node("n3", labels: zoneB));
        var pod = Pod("web", labels: Labels("app=web"));
        pod.Spec.Affinity = new V1Affinity { PodAffinity = new V1PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term("app=cache", "topology.kubernetes.io/zone")] } };
        Assert.Null(Verdict(new InterPodAffinity(), pod, n2, n1, n2, n3));
        Assert.Equal("node(s) didn't match pod affinity rules", Verdict(new InterPodAffinity(), pod, n3, n1, n2, n3));

        // The first pod of a self-selecting group may go anywhere.
        var first = Pod("first", labels: Labels("app=solo"));
        first.Spec.Affinity = new V1Affinity { PodAffinity = new V1PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term("app=solo")] } };
        Assert.Null(Verdict(new InterPodAffinity(), first, n3, n1, n2, n3));
    }

    [Fact]
    public void Topology_spread_do_not_schedule_limits_skew()
    {
        var web = Labels("app=web");
        var n1 = NodeInfo(Node("n1", labels: Labels("topology.kubernetes.io/zone=a")), Pod("w1", labels: web, nodeName: "n1"), Pod("w2", labels: web, nodeName: "n1"));
        var n2 = NodeInfo(Node("n2", labels: Labels("topology.kubernetes.io/zone=b")), Pod("w3", labels: web, nodeName: "n2"));
        var n3 = NodeInfo(Node("n3"));
        var pod = Pod("w4", labels: web);
        pod.Spec.TopologySpreadConstraints =
        [
            new V1TopologySpreadConstraint { MaxSkew = 1, TopologyKey = "topology.kubernetes.io/zone", WhenUnsatisfiable = "DoNotSchedule", LabelSelector = new V1LabelSelector { MatchLabels = web } },
        ];
        Assert.Equal("node(s) didn't match pod topology spread constraints", Verdict(new PodTopologySpread(), pod, n1, n1, n2, n3));
        Assert.Null(Verdict(new PodTopologySpread(), pod, n2, n1, n2, n3));
        Assert.Equal("node(s) didn't match pod topology spread constraints (missing required label)", Verdict(new PodTopologySpread(), pod, n3, n1, n2, n3));
    }
}
