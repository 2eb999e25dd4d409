using k8s.Models;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins;
using static Skiff.Scheduler.Tests.Fixtures;

namespace Skiff.Scheduler.Tests;

/// <summary>Filters and scores against table-driven nodes and pods, with upstream's reasons.</summary>
public sealed class PluginTests
{
    [Theory]
    [InlineData("500m", null, 0, null)]
    [InlineData("3", null, 1, null)]
    [InlineData("3500m", null, 1, "Insufficient cpu")]
    [InlineData(null, "9Gi", 0, "Insufficient memory")]
    [InlineData("5", "9Gi", 0, "Insufficient cpu,Insufficient memory")]
    public void Resources_fit_against_allocatable_minus_what_pods_there_request(string? cpu, string? memory, int existing, string? reasons)
    {
        var node = Info(Node("n1", cpu: "4", memory: "8Gi"), Enumerable.Range(0, existing).Select(i => Pod($"e{i}", cpu: "1")).ToArray());
        var result = new NodeResourcesFit().Filter(Scheduling(Pod("p", cpu, memory)), node);
        Assert.Equal(reasons, result is null ? null : string.Join(",", result));
    }

    [Fact]
    public void The_pod_count_is_a_resource_and_init_containers_count_by_the_largest()
    {
        var full = Info(Node("n1", pods: 2), Pod("a"), Pod("b"));
        Assert.Equal(["Too many pods"], new NodeResourcesFit().Filter(Scheduling(Pod("p")), full));

        var pod = Pod("p", cpu: "1");
        pod.Spec.InitContainers = [new V1Container { Name = "init", Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("3") } } }];
        pod.Spec.Overhead = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("250m") };
        Assert.Equal(3250, PodResources.Of(pod).MilliCpu);
    }

    [Theory]
    [InlineData("NoSchedule", null, false)]
    [InlineData("NoExecute", null, false)]
    [InlineData("PreferNoSchedule", null, true)]
    [InlineData("NoSchedule", "Equal:dedicated=gpu:NoSchedule", true)]
    [InlineData("NoSchedule", "Equal:dedicated=cpu:NoSchedule", false)]
    [InlineData("NoSchedule", "Exists:dedicated::", true)]
    [InlineData("NoSchedule", "Exists:::", true)]
    [InlineData("NoExecute", "Exists:dedicated:NoSchedule", false)]
    public void Taints_filter_unless_tolerated(string effect, string? toleration, bool fits)
    {
        var node = Info(Node("n1", taints: [new V1Taint { Key = "dedicated", Value = "gpu", Effect = effect }]));
        var pod = Pod("p");
        if (toleration is not null)
        {
            var parts = toleration.Split(':');
            var kv = parts[1].Split('=');
            pod.Spec.Tolerations = [new V1Toleration { OperatorProperty = parts[0], Key = kv[0].Length == 0 ? null : kv[0], Value = kv.Length > 1 ? kv[1] : null, Effect = parts[2].Length == 0 ? null : parts[2] }];
        }

        var result = new TaintToleration().Filter(Scheduling(pod), node);
        Assert.Equal(fits, result is null);
        if (!fits)
        {
            Assert.Equal(["node(s) had untolerated taint {dedicated: gpu}"], result);
        }
    }

    [Fact]
    public void A_cordoned_node_takes_only_pods_that_tolerate_unschedulable()
    {
        var node = Info(Node("n1", unschedulable: true));
        Assert.Equal([NodeUnschedulable.Reason], new NodeUnschedulable().Filter(Scheduling(Pod("p")), node));
        var tolerant = Pod("ds");
        tolerant.Spec.Tolerations = [new V1Toleration { Key = "node.kubernetes.io/unschedulable", OperatorProperty = "Exists", Effect = "NoSchedule" }];
        Assert.Null(new NodeUnschedulable().Filter(Scheduling(tolerant), node));
    }

    [Fact]
    public void Node_selector_and_required_affinity_filter_and_preferred_affinity_scores()
    {
        var ssd = Info(Node("n1", labels: new() { ["disk"] = "ssd", ["zone"] = "a", ["cores"] = "16" }));
        var hdd = Info(Node("n2", labels: new() { ["disk"] = "hdd", ["zone"] = "b", ["cores"] = "4" }));
        var pod = Pod("p");
        pod.Spec.NodeSelector = new Dictionary<string, string> { ["disk"] = "ssd" };
        var plugin = new NodeAffinity();
        Assert.Null(plugin.Filter(Scheduling(pod), ssd));
        Assert.Equal([NodeAffinity.Reason], plugin.Filter(Scheduling(pod), hdd));

        var required = Pod("q");
        required.Spec.Affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                RequiredDuringSchedulingIgnoredDuringExecution = new V1NodeSelector
                {
                    NodeSelectorTerms =
                    [
                        new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "cores", OperatorProperty = "Gt", Values = ["8"] }] },
                        new V1NodeSelectorTerm { MatchFields = [new V1NodeSelectorRequirement { Key = "metadata.name", OperatorProperty = "In", Values = ["n9"] }] },
                    ],
                },
                PreferredDuringSchedulingIgnoredDuringExecution =
                [
                    new V1PreferredSchedulingTerm { Weight = 80, Preference = new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "zone", OperatorProperty = "In", Values = ["b"] }] } },
                    new V1PreferredSchedulingTerm { Weight = 20, Preference = new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "zone", OperatorProperty = "Exists" }] } },
                ],
            },
        };
        Assert.Null(plugin.Filter(Scheduling(required), ssd));
        Assert.Equal([NodeAffinity.Reason], plugin.Filter(Scheduling(required), hdd));
        Assert.Equal(20, plugin.Score(Scheduling(required), ssd));
        Assert.Equal(100, plugin.Score(Scheduling(required), hdd));
    }

    [Fact]
    public void A_host_port_is_taken_once_per_node()
    {
        static V1Pod WithPort(string name, int port, string? ip = null)
        {
            var pod = Pod(name);
            pod.Spec.Containers[0].Ports = [new V1ContainerPort { ContainerPort = 80, HostPort = port, HostIP = ip }];
            return pod;
        }

        var node = Info(Node("n1"), WithPort("web", 8080));
        Assert.Equal([NodePorts.Reason], new NodePorts().Filter(Scheduling(WithPort("p", 8080)), node));
        Assert.Equal([NodePorts.Reason], new NodePorts().Filter(Scheduling(WithPort("p", 8080, "10.0.0.1")), node));
        Assert.Null(new NodePorts().Filter(Scheduling(WithPort("p", 8081)), node));
    }

    [Fact]
    public void Least_allocated_prefers_the_emptier_node_and_balanced_the_even_one()
    {
        var empty = Info(Node("empty"));
        var busy = Info(Node("busy"), Pod("a", cpu: "3", memory: "1Gi"));
        var pod = Scheduling(Pod("p", cpu: "500m", memory: "512Mi"));
        Assert.True(new NodeResourcesFit().Score(pod, empty) > new NodeResourcesFit().Score(pod, busy));
        Assert.True(new BalancedAllocation().Score(pod, empty) > new BalancedAllocation().Score(pod, busy));
    }

    [Fact]
    public void The_failure_message_counts_reasons_over_nodes_as_upstream()
    {
        Assert.Equal(
            "0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu.",
            FailureMessage.Format(3, [["Insufficient cpu"], [NodeUnschedulable.Reason], ["Insufficient cpu"]]));
        Assert.Equal("no nodes available to schedule pods", FailureMessage.Format(0, []));
    }
}
