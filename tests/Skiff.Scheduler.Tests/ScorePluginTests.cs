using k8s.Models;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins;
using static Skiff.Scheduler.Tests.Fixtures;

namespace Skiff.Scheduler.Tests;

/// <summary>The score plugins: raw scores and normalization as upstream's plugins compute them.</summary>
public sealed class ScorePluginTests
{
    private static long[] Scores(IScorePlugin plugin, V1Pod pod, params NodeInfo[] nodes)
    {
        var info = new PodInfo(pod);
        var state = new CycleState();
        state.Write(InterPodAffinity.AllNodesKey, nodes);
        if (!plugin.PreScore(info, nodes, state))
        {
            return [];
        }

        var scores = nodes.Select(n => plugin.Score(info, n, state)).ToArray();
        plugin.Normalize(info, scores, state);
        return scores;
    }

    [Fact]
    public void Least_allocated_prefers_the_emptier_node()
    {
        // Upstream's example: node 4000m/10000 with 3000m/5000 requested after the pod → cpu 25, memory 50 → 37; the empty node: cpu 87, memory 80 → 83.
        var n1 = NodeInfo(Node("n1", cpu: "4", memory: "10000"), Pod("a", cpu: "2500m", memory: "3000", nodeName: "n1"));
        var n2 = NodeInfo(Node("n2", cpu: "4", memory: "10000"));
        var scores = Scores(new NodeResourcesFit(), Pod("p", cpu: "500m", memory: "2000"), n1, n2);
        Assert.Equal([37, 83], scores);
    }

    [Fact]
    public void Balanced_allocation_prefers_equal_shares()
    {
        var n1 = NodeInfo(Node("n1", cpu: "4", memory: "4Gi"), Pod("a", cpu: "3", memory: "1Gi", nodeName: "n1"));
        var n2 = NodeInfo(Node("n2", cpu: "4", memory: "4Gi"), Pod("a", cpu: "2", memory: "2Gi", nodeName: "n2"));
        var scores = Scores(new BalancedAllocation(), Pod("p", cpu: "1", memory: "1Gi"), n1, n2);
        Assert.Equal(75, scores[0]); // shares 1.0 and 0.5: std 0.25
        Assert.Equal(100, scores[1]);
    }

    [Fact]
    public void Preferred_node_affinity_scores_by_weight_relative_to_the_best()
    {
        var pod = Pod("p");
        pod.Spec.Affinity = new V1Affinity
        {
            NodeAffinity = new V1NodeAffinity
            {
                PreferredDuringSchedulingIgnoredDuringExecution =
                [
                    new V1PreferredSchedulingTerm { Weight = 2, Preference = new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "disk", OperatorProperty = "In", Values = ["ssd"] }] } },
                    new V1PreferredSchedulingTerm { Weight = 6, Preference = new V1NodeSelectorTerm { MatchExpressions = [new V1NodeSelectorRequirement { Key = "gpu", OperatorProperty = "Exists" }] } },
                ],
            },
        };
        var scores = Scores(new NodeAffinity(), pod, NodeInfo(Node("n1", labels: Labels("disk=ssd"))), NodeInfo(Node("n2", labels: Labels("disk=ssd", "gpu=1"))), NodeInfo(Node("n3")));
        Assert.Equal([25, 100, 0], scores);
    }

    [Fact]
    public void Prefer_no_schedule_taints_lower_the_score()
    {
        var soft = new V1Taint { Key = "k", Value = "v", Effect = "PreferNoSchedule" };
        var soft2 = new V1Taint { Key = "k2", Value = "v", Effect = "PreferNoSchedule" };
        var scores = Scores(new TaintToleration(), Pod("p"), NodeInfo(Node("n1")), NodeInfo(Node("n2", taints: soft)), NodeInfo(Node("n3", taints: [soft, soft2])));
        Assert.Equal([100, 50, 0], scores);
    }

    [Fact]
    public void Preferred_pod_anti_affinity_scores_away_from_matching_pods()
    {
        var n1 = NodeInfo(Node("n1"), Pod("a", labels: Labels("app=web"), nodeName: "n1"));
        var n2 = NodeInfo(Node("n2"));
        var pod = Pod("p", labels: Labels("app=web"));
        pod.Spec.Affinity = new V1Affinity
        {
            PodAntiAffinity = new V1PodAntiAffinity
            {
                PreferredDuringSchedulingIgnoredDuringExecution =
                [
                    new V1WeightedPodAffinityTerm { Weight = 10, PodAffinityTerm = new V1PodAffinityTerm { TopologyKey = "kubernetes.io/hostname", LabelSelector = new V1LabelSelector { MatchLabels = Labels("app=web") } } },
                ],
            },
        };
        Assert.Equal([0, 100], Scores(new InterPodAffinity(), pod, n1, n2));
    }

    [Fact]
    public void Default_spreading_prefers_nodes_with_fewer_pods_of_the_same_owner()
    {
        var owner = new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "web", Uid = "rs-1", Controller = true };
        V1Pod Owned(string name, string? node)
        {
            var pod = Pod(name, nodeName: node);
            pod.Metadata.OwnerReferences = [owner];
            return pod;
        }

        var n1 = NodeInfo(Node("n1"), Owned("a", "n1"), Owned("b", "n1"));
        var n2 = NodeInfo(Node("n2"));
        var scores = Scores(new PodTopologySpread(), Owned("c", null), n1, n2);
        Assert.True(scores[1] > scores[0], $"scores {string.Join(",", scores)}");
    }

    [Fact]
    public void Percentage_of_nodes_to_score_is_adaptive_as_upstream()
    {
        Assert.Equal(50, SchedulingAlgorithm.NumFeasibleNodesToFind(50));
        Assert.Equal(100, SchedulingAlgorithm.NumFeasibleNodesToFind(150));
        Assert.Equal(420, SchedulingAlgorithm.NumFeasibleNodesToFind(1000)); // 50 - 8 = 42 %
        Assert.Equal(500, SchedulingAlgorithm.NumFeasibleNodesToFind(5000)); // 50 - 40 = 10 %
        Assert.Equal(750, SchedulingAlgorithm.NumFeasibleNodesToFind(15000)); // at least 5 %
    }

    [Fact]
    public void Failure_message_has_upstreams_shape()
    {
        var diagnosis = new Diagnosis(3, new Dictionary<string, FilterFailure>
        {
            ["n1"] = NodeUnschedulable.Cordoned,
            ["n2"] = new("Insufficient cpu", unresolvable: false),
            ["n3"] = new("Insufficient cpu", unresolvable: false),
        })
        {
            PostFilterMessage = "preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod",
        };
        Assert.Equal("0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes are available: 3 No preemption victims found for incoming pod.", diagnosis.Message);
    }
}
