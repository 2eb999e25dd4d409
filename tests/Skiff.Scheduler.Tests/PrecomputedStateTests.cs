using k8s.Models;
using Skiff.Api.Selection;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins;
using static Skiff.Scheduler.Tests.Fixtures;

namespace Skiff.Scheduler.Tests;

/// <summary>The state PodTopologySpread and InterPodAffinity compute once per cycle (upstream's preFilterState), checked
/// against the cache after assumed pods and against a brute-force reference on random clusters.</summary>
public sealed class PrecomputedStateTests
{
    private const string Zone = "topology.kubernetes.io/zone";
    private const string Host = "kubernetes.io/hostname";

    [Fact]
    public void Spread_counts_follow_assumed_pods_and_the_minimum_moves_with_them()
    {
        var cache = new SchedulerCache();
        for (var i = 0; i < 6; i++)
        {
            cache.AddOrUpdateNode(Node($"n{i}", labels: Labels($"{Zone}=z{i % 3}")));
        }

        // An unlabelled node is not a domain of a DoNotSchedule constraint.
        cache.AddOrUpdateNode(Node("bare"));
        var (filters, scorers) = SchedulingAlgorithm.DefaultPlugins();
        var algorithm = new SchedulingAlgorithm(filters, scorers, parallelism: 1);
        cache.AssumePod(new PodInfo(Pod("w0", labels: Labels("app=web"))), "n0");
        cache.AssumePod(new PodInfo(Pod("w1", labels: Labels("app=web"))), "n3");
        cache.AssumePod(new PodInfo(Pod("other", labels: Labels("app=db"))), "n1");

        var pod = SpreadPod("w2");
        var counts = SpreadCounts(algorithm, pod, cache.Nodes);
        Assert.Equal(2, counts.PerDomain["z0"]);
        Assert.Equal(0, counts.PerDomain["z1"]);
        Assert.Equal(0, counts.PerDomain["z2"]);
        Assert.Equal(3, counts.PerDomain.Count);
        Assert.Equal(0, counts.Minimum);
        Assert.Equal(1, counts.SelfMatch);

        cache.AssumePod(new PodInfo(pod.Pod), "n1");
        cache.AssumePod(new PodInfo(SpreadPod("w3").Pod), "n5");
        counts = SpreadCounts(algorithm, SpreadPod("w4"), cache.Nodes);
        Assert.Equal([2, 1, 1], new[] { counts.PerDomain["z0"], counts.PerDomain["z1"], counts.PerDomain["z2"] });
        Assert.Equal(1, counts.Minimum);

        // A forgotten (failed binding) pod leaves the counts again.
        cache.ForgetPod(pod.Key);
        counts = SpreadCounts(algorithm, SpreadPod("w5"), cache.Nodes);
        Assert.Equal(0, counts.PerDomain["z1"]);
        Assert.Equal(0, counts.Minimum);

        // A pod the watch shows terminating no longer counts (the per-node counts are remembered between cycles
        // and must follow every pod change on the node).
        var terminating = Pod("w0", labels: Labels("app=web"), nodeName: "n0");
        terminating.Metadata.DeletionTimestamp = DateTime.UtcNow;
        cache.AddOrUpdatePod(terminating);
        counts = SpreadCounts(algorithm, SpreadPod("w6"), cache.Nodes);
        Assert.Equal(1, counts.PerDomain["z0"]);
    }

    [Fact]
    public void Spread_placement_over_a_cluster_keeps_zones_within_max_skew()
    {
        var cache = new SchedulerCache();
        for (var i = 0; i < 30; i++)
        {
            cache.AddOrUpdateNode(Node($"n{i:D2}", labels: Labels($"{Zone}=z{i % 3}")));
        }

        var (filters, scorers) = SchedulingAlgorithm.DefaultPlugins();
        var algorithm = new SchedulingAlgorithm(filters, scorers, parallelism: 2);
        var perZone = new int[3];
        for (var i = 0; i < 60; i++)
        {
            var pod = SpreadPod($"w{i}");
            var result = algorithm.Schedule(pod, cache.Nodes);
            Assert.NotNull(result.Node);
            cache.AssumePod(pod, result.Node.Name);
            perZone[result.Node.Labels![Zone][1] - '0']++;
            Assert.True(perZone.Max() - perZone.Min() <= 1, $"after {i + 1} pods the zones hold {string.Join(",", perZone)}");
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    [InlineData(4)]
    [InlineData(5)]
    public void Anti_affinity_counts_and_verdicts_match_a_brute_force_reference(int seed)
    {
        var random = new Random(seed);
        var nodes = new List<NodeInfo>();
        for (var i = 0; i < 40; i++)
        {
            var labels = random.Next(10) == 0 ? [] : Labels($"{Zone}=z{random.Next(4)}");
            var node = NodeInfo(Node($"n{i}", labels: labels));
            var podCount = random.Next(4);
            for (var p = 0; p < podCount; p++)
            {
                node.AddPod(new PodInfo(RandomPod(random, $"p{i}-{p}", $"n{i}")));
            }

            nodes.Add(node);
        }

        var all = nodes.ToArray();
        var plugin = new InterPodAffinity();
        for (var attempt = 0; attempt < 20; attempt++)
        {
            var incoming = new PodInfo(RandomPod(random, $"in-{attempt}", null));
            var state = new CycleState();
            state.Write(InterPodAffinity.AllNodesKey, all);
            Assert.Null(plugin.PreFilter(incoming, all, state));
            var data = InterPodAffinity.FilterState(state)!;

            var (existing, own) = BruteForceCounts(incoming, all);
            Assert.Equal(existing.OrderBy(x => x.Key), data.ExistingAntiAffinity.NonZero().Select(x => new KeyValuePair<(string, string), long>((x.Key, x.Value), x.Count)).OrderBy(x => x.Key));
            Assert.Equal(own.OrderBy(x => x.Key), data.AntiAffinity.NonZero().Select(x => new KeyValuePair<(string, string), long>((x.Key, x.Value), x.Count)).OrderBy(x => x.Key));

            foreach (var node in all)
            {
                var expected = BruteForceVerdict(incoming, node, existing, own);
                Assert.Equal(expected, plugin.Filter(incoming, node, state));
            }
        }
    }

    [Theory]
    [InlineData(7)]
    [InlineData(8)]
    public void Compiled_selectors_agree_with_label_selector_matching(int seed)
    {
        var random = new Random(seed);
        string[] keys = ["app", "tier", "env"];
        string[] values = ["a", "b", "c"];
        string[] operators = ["In", "NotIn", "Exists", "DoesNotExist"];
        for (var i = 0; i < 500; i++)
        {
            V1LabelSelector? selector = random.Next(10) == 0 ? null : new V1LabelSelector
            {
                MatchLabels = random.Next(2) == 0 ? null : keys.Where(_ => random.Next(3) == 0).ToDictionary(k => k, _ => values[random.Next(3)]),
                MatchExpressions = random.Next(2) == 0 ? null : Enumerable.Range(0, random.Next(3)).Select(_ => new V1LabelSelectorRequirement
                {
                    Key = keys[random.Next(3)],
                    OperatorProperty = operators[random.Next(4)],
                    Values = values.Where(_ => random.Next(2) == 0).ToList(),
                }).ToList(),
            };
            var labels = random.Next(8) == 0 ? null : keys.Where(_ => random.Next(2) == 0).ToDictionary(k => k, _ => values[random.Next(3)]);
            Assert.Equal(LabelSelectors.Matches(selector, labels), new CompiledSelector(selector).Matches(labels));
        }
    }

    private static PodInfo SpreadPod(string name)
    {
        var pod = Pod(name, labels: Labels("app=web"));
        pod.Spec.TopologySpreadConstraints =
        [
            new V1TopologySpreadConstraint { MaxSkew = 1, TopologyKey = Zone, WhenUnsatisfiable = "DoNotSchedule", LabelSelector = new V1LabelSelector { MatchLabels = Labels("app=web") } },
        ];
        return new PodInfo(pod);
    }

    private static PodTopologySpread.DomainCounts SpreadCounts(SchedulingAlgorithm algorithm, PodInfo pod, NodeInfo[] nodes) =>
        Assert.Single(PodTopologySpread.FilterCounts(algorithm.PreFilter(pod, nodes))!);

    /// <summary>A pod labelled app=a|b|c in namespace default or other, half of them with required anti-affinity on
    /// the hostname or the zone against one app (sometimes across all namespaces).</summary>
    private static V1Pod RandomPod(Random random, string name, string? nodeName)
    {
        var apps = new[] { "a", "b", "c" };
        var pod = Pod(name, labels: Labels($"app={apps[random.Next(3)]}"), nodeName: nodeName);
        pod.Metadata.NamespaceProperty = random.Next(4) == 0 ? "other" : "default";
        if (random.Next(2) == 0)
        {
            var terms = Enumerable.Range(0, 1 + random.Next(2)).Select(_ => new V1PodAffinityTerm
            {
                TopologyKey = random.Next(2) == 0 ? Host : Zone,
                LabelSelector = new V1LabelSelector { MatchLabels = Labels($"app={apps[random.Next(3)]}") },
                NamespaceSelector = random.Next(5) == 0 ? new V1LabelSelector() : null,
            }).ToList();
            pod.Spec.Affinity = new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = terms } };
        }

        return pod;
    }

    /// <summary>Every pod on every node, every term, matched with the uncompiled helpers.</summary>
    private static (Dictionary<(string, string), long> Existing, Dictionary<(string, string), long> Own) BruteForceCounts(PodInfo incoming, NodeInfo[] nodes)
    {
        var existing = new Dictionary<(string, string), long>();
        var own = new Dictionary<(string, string), long>();
        foreach (var node in nodes)
        {
            foreach (var pod in node.Pods)
            {
                foreach (var term in pod.RequiredAntiAffinity)
                {
                    if (node.Labels!.TryGetValue(term.TopologyKey, out var value) && AffinityTerms.Selects(term, pod.Namespace, incoming))
                    {
                        existing[(term.TopologyKey, value)] = existing.GetValueOrDefault((term.TopologyKey, value)) + 1;
                    }
                }

                foreach (var term in incoming.RequiredAntiAffinity)
                {
                    if (node.Labels!.TryGetValue(term.TopologyKey, out var value) && AffinityTerms.Selects(term, incoming.Namespace, pod))
                    {
                        own[(term.TopologyKey, value)] = own.GetValueOrDefault((term.TopologyKey, value)) + 1;
                    }
                }
            }
        }

        return (existing, own);
    }

    private static FilterFailure? BruteForceVerdict(PodInfo incoming, NodeInfo node, Dictionary<(string, string), long> existing, Dictionary<(string, string), long> own)
    {
        if (node.Labels!.Any(l => existing.GetValueOrDefault((l.Key, l.Value)) > 0))
        {
            return InterPodAffinity.ExistingAntiAffinity;
        }

        foreach (var term in incoming.RequiredAntiAffinity)
        {
            if (node.Labels!.TryGetValue(term.TopologyKey, out var value) && own.GetValueOrDefault((term.TopologyKey, value)) > 0)
            {
                return InterPodAffinity.AntiAffinityMismatch;
            }
        }

        return null;
    }
}
