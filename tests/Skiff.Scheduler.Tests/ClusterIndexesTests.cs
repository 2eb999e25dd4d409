using k8s.Models;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins;
using static Skiff.Scheduler.Tests.Fixtures;

namespace Skiff.Scheduler.Tests;

/// <summary>The counts the cache keeps across cycles (<see cref="ClusterIndexes"/>) give PodTopologySpread and
/// InterPodAffinity the same verdicts and scores as counting every pod in the cycle, through pod and node churn.</summary>
public sealed class ClusterIndexesTests
{
    private const string Zone = "topology.kubernetes.io/zone";
    private const string Host = "kubernetes.io/hostname";

    public static TheoryData<string, string[], string, string[]> Cases => new()
    {
        // name, pods placed ("pod@node" with labels "app=x"), incoming pod kind, nodes expected to pass the filters
        { "existing anti-affinity on the zone rejects the whole zone", ["a@n0:app=db,anti-zone=web"], "plain:app=web", ["n1", "n2", "n4", "n5"] },
        { "existing anti-affinity on the host rejects one node", ["a@n0:app=db,anti-host=web"], "plain:app=web", ["n1", "n2", "n3", "n4", "n5"] },
        { "existing anti-affinity that does not select the pod is no obstacle", ["a@n0:app=db,anti-zone=cache"], "plain:app=web", ["n0", "n1", "n2", "n3", "n4", "n5"] },
        { "own anti-affinity on the host avoids the nodes of matching pods", ["a@n0:app=web", "b@n4:app=web", "c@n1:app=db"], "anti-host:app=web", ["n1", "n2", "n3", "n5"] },
        { "own anti-affinity on the zone avoids their zones", ["a@n0:app=web"], "anti-zone:app=web", ["n1", "n2", "n4", "n5"] },
        { "affinity follows the zone of a matching pod", ["a@n2:app=db"], "affinity-zone:app=db", ["n2", "n5"] },
        { "the first pod of a self-selecting group may go anywhere", ["a@n2:app=other"], "affinity-zone:app=web", ["n0", "n1", "n2", "n3", "n4", "n5"] },
        { "affinity to pods that are absent, not selecting itself, fits nowhere", ["a@n1:app=web"], "affinity-zone:app=db,self=web", [] },
        { "spread keeps out of the zone that is ahead", ["a@n0:app=web", "b@n1:app=web"], "spread:app=web", ["n2", "n5"] },
        { "spread ignores a terminating pod", ["a@n0:app=web", "b@n1:app=web", "c@n2:app=web,terminating"], "spread:app=web", ["n2", "n5"] },
        { "spread counts only its namespace's pods", ["a@n0:app=web,ns=other", "b@n1:app=web"], "spread:app=web", ["n0", "n2", "n3", "n5"] },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Indexed_filters_agree_with_the_table_and_with_counting(string name, string[] placed, string incoming, string[] expected)
    {
        var cache = Cluster();
        foreach (var spec in placed)
        {
            var (pod, node) = Placed(spec);
            cache.AddOrUpdatePod(WithNode(pod, node));
        }

        var pod0 = new PodInfo(Incoming("in", incoming));
        var (indexed, counted) = Verdicts(cache, pod0);
        Assert.True(expected.SequenceEqual(indexed), $"{name}: indexed {string.Join(",", indexed)}");
        Assert.True(expected.SequenceEqual(counted), $"{name}: counted {string.Join(",", counted)}");
    }

    [Fact]
    public void Counts_follow_assume_forget_removal_and_node_label_changes()
    {
        var cache = Cluster();
        var algorithm = Algorithm();
        var web = SpreadCounts(algorithm, cache);
        Assert.Equal(0, web.Minimum);

        cache.AssumePod(new PodInfo(Incoming("w0", "plain:app=web")), "n0");
        cache.AssumePod(new PodInfo(Incoming("w1", "plain:app=web")), "n1");
        cache.AssumePod(new PodInfo(Incoming("w2", "plain:app=web")), "n2");
        web = SpreadCounts(algorithm, cache);
        Assert.Equal([1, 1, 1], Zones(web));
        Assert.Equal(1, web.Minimum);

        cache.ForgetPod("default/w1");
        Assert.Equal([1, 0, 1], Zones(SpreadCounts(algorithm, cache)));

        // n0 moves to z1: its pod is counted there from now on.
        cache.AddOrUpdateNode(Node("n0", labels: Labels($"{Zone}=z1")));
        Assert.Equal([0, 1, 1], Zones(SpreadCounts(algorithm, cache)));

        // n2 goes away with its pod still on it: z2 is left with n5 only, and no matching pod.
        cache.RemoveNode("n2");
        Assert.Equal([0, 1, 0], Zones(SpreadCounts(algorithm, cache)));

        cache.RemovePod("default/w0");
        Assert.Equal([0, 0, 0], Zones(SpreadCounts(algorithm, cache)));
    }

    [Theory]
    [InlineData(11)]
    [InlineData(12)]
    [InlineData(13)]
    [InlineData(14)]
    public void Random_churn_gives_the_same_verdicts_and_scores_as_counting(int seed)
    {
        var random = new Random(seed);
        var cache = new SchedulerCache();
        for (var i = 0; i < 24; i++)
        {
            cache.AddOrUpdateNode(RandomNode(random, $"n{i:D2}"));
        }

        string[] kinds = ["plain", "anti-host", "anti-zone", "affinity-zone", "affinity-host", "spread", "spread-host", "spread-both", "soft", "owned", "owned"];
        string[] apps = ["web", "db", "cache"];
        var live = new List<string>();
        for (var step = 0; step < 150; step++)
        {
            var nodes = cache.Nodes;
            switch (random.Next(10))
            {
                case 0 when live.Count > 0:
                    var gone = live[random.Next(live.Count)];
                    live.Remove(gone);
                    cache.RemovePod(gone);
                    break;
                case 1 when live.Count > 0:
                    // The watch shows a pod terminating (or moved to another node by a stale assume).
                    var key = live[random.Next(live.Count)];
                    var pod = Incoming(key.Split('/')[1], $"{(random.Next(2) == 0 ? "plain" : "owned")}:app={apps[random.Next(3)]}");
                    pod.Metadata.DeletionTimestamp = random.Next(2) == 0 ? DateTime.UtcNow : null;
                    cache.AddOrUpdatePod(WithNode(pod, nodes[random.Next(nodes.Length)].Name));
                    break;
                case 2:
                    cache.AddOrUpdateNode(RandomNode(random, $"n{random.Next(28):D2}"));
                    break;
                case 3 when nodes.Length > 4:
                    cache.RemoveNode(nodes[random.Next(nodes.Length)].Name);
                    break;
                default:
                    var name = $"p{step}";
                    var placed = Incoming(name, $"{kinds[random.Next(kinds.Length)]}:app={apps[random.Next(3)]}");
                    if (random.Next(6) == 0)
                    {
                        placed.Metadata.NamespaceProperty = "other";
                    }

                    var info = new PodInfo(placed);
                    var target = $"n{random.Next(28):D2}"; // sometimes a node the cache does not know
                    if (random.Next(2) == 0)
                    {
                        cache.AssumePod(info, target);
                    }
                    else
                    {
                        cache.AddOrUpdatePod(WithNode(placed, target));
                    }

                    live.Add(info.Key);
                    break;
            }

            var incoming = new PodInfo(Incoming($"in{step}", $"{kinds[random.Next(kinds.Length)]}:app={apps[random.Next(3)]}"));
            var (indexed, counted) = Verdicts(cache, incoming);
            Assert.True(counted.SequenceEqual(indexed), $"step {step}: counted {string.Join(",", counted)} indexed {string.Join(",", indexed)}");
            var (indexedScores, countedScores) = Scores(cache, incoming);
            Assert.Equal(countedScores, indexedScores);
        }
    }

    [Fact]
    public void Equal_selectors_share_a_key_and_different_ones_do_not()
    {
        var a = new CompiledSelector(new V1LabelSelector
        {
            MatchLabels = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" },
            MatchExpressions = [new V1LabelSelectorRequirement { Key = "env", OperatorProperty = "In", Values = ["b", "a"] }],
        });
        var b = new CompiledSelector(new V1LabelSelector
        {
            MatchExpressions = [new V1LabelSelectorRequirement { Key = "env", OperatorProperty = "In", Values = ["a", "b"] }],
            MatchLabels = new Dictionary<string, string> { ["tier"] = "front", ["app"] = "web" },
        });
        var c = new CompiledSelector(new V1LabelSelector
        {
            MatchLabels = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" },
            MatchExpressions = [new V1LabelSelectorRequirement { Key = "env", OperatorProperty = "NotIn", Values = ["a", "b"] }],
        });
        Assert.Equal(a.Key, b.Key);
        Assert.NotEqual(a.Key, c.Key);
        Assert.NotEqual(new CompiledSelector(null).Key, new CompiledSelector(new V1LabelSelector()).Key);
    }

    /// <summary>Six nodes in three zones: n0,n3 in z0; n1,n4 in z1; n2,n5 in z2.</summary>
    private static SchedulerCache Cluster()
    {
        var cache = new SchedulerCache();
        for (var i = 0; i < 6; i++)
        {
            cache.AddOrUpdateNode(Node($"n{i}", labels: Labels($"{Zone}=z{i % 3}")));
        }

        return cache;
    }

    private static V1Node RandomNode(Random random, string name) =>
        random.Next(8) == 0 ? Node(name) : Node(name, labels: Labels($"{Zone}=z{random.Next(3)}"));

    private static SchedulingAlgorithm Algorithm()
    {
        var (filters, scorers) = SchedulingAlgorithm.DefaultPlugins();
        return new SchedulingAlgorithm(filters, scorers, parallelism: 1);
    }

    /// <summary>The nodes that pass PodTopologySpread and InterPodAffinity, once with the cache's indexes and once
    /// counting in the cycle (separate plugin instances: a plugin reuses its state from cycle to cycle).</summary>
    private static (List<string> Indexed, List<string> Counted) Verdicts(SchedulerCache cache, PodInfo pod)
    {
        var nodes = cache.Nodes;
        List<string> Pass(ClusterIndexes? indexes)
        {
            IFilterPlugin[] plugins = [new PodTopologySpread(), new InterPodAffinity()];
            var state = new CycleState();
            state.Write(InterPodAffinity.AllNodesKey, nodes);
            if (indexes is not null)
            {
                state.Write(ClusterIndexes.StateKey, indexes);
            }

            foreach (var plugin in plugins)
            {
                Assert.Null(plugin.PreFilter(pod, nodes, state));
            }

            return nodes.Where(n => plugins.All(p => p.Filter(pod, n, state) is null)).Select(n => n.Name).ToList();
        }

        return (Pass(cache.Indexes), Pass(null));
    }

    private static (long[] Indexed, long[] Counted) Scores(SchedulerCache cache, PodInfo pod)
    {
        var nodes = cache.Nodes;
        long[] Score(ClusterIndexes? indexes)
        {
            IScorePlugin[] plugins = [new PodTopologySpread(), new InterPodAffinity()];
            var state = new CycleState();
            state.Write(InterPodAffinity.AllNodesKey, nodes);
            if (indexes is not null)
            {
                state.Write(ClusterIndexes.StateKey, indexes);
            }

            var result = new List<long>();
            foreach (var plugin in plugins)
            {
                if (plugin.PreScore(pod, nodes, state))
                {
                    result.AddRange(nodes.Select(n => plugin.Score(pod, n, state)));
                }
            }

            return [.. result];
        }

        return (Score(cache.Indexes), Score(null));
    }

    private static PodTopologySpread.DomainCounts SpreadCounts(SchedulingAlgorithm algorithm, SchedulerCache cache) =>
        Assert.Single(PodTopologySpread.FilterCounts(algorithm.PreFilter(new PodInfo(Incoming("probe", "spread:app=web")), cache.Nodes, cache.Indexes))!);

    private static int[] Zones(PodTopologySpread.DomainCounts counts) =>
        [counts.PerDomain.GetValueOrDefault("z0"), counts.PerDomain.GetValueOrDefault("z1"), counts.PerDomain.GetValueOrDefault("z2")];

    /// <summary>"name@node:app=x[,anti-zone=y][,anti-host=y][,ns=z][,terminating]".</summary>
    private static (V1Pod Pod, string Node) Placed(string spec)
    {
        var (name, rest) = (spec[..spec.IndexOf('@')], spec[(spec.IndexOf('@') + 1)..]);
        var node = rest[..rest.IndexOf(':')];
        var parts = rest[(rest.IndexOf(':') + 1)..].Split(',');
        var pod = Pod(name, labels: Labels(parts[0]));
        foreach (var part in parts.Skip(1))
        {
            var (key, value) = part.Contains('=') ? (part[..part.IndexOf('=')], part[(part.IndexOf('=') + 1)..]) : (part, "");
            switch (key)
            {
                case "anti-zone":
                case "anti-host":
                    pod.Spec.Affinity = new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term(key == "anti-zone" ? Zone : Host, value)] } };
                    break;
                case "ns":
                    pod.Metadata.NamespaceProperty = value;
                    break;
                case "terminating":
                    pod.Metadata.DeletionTimestamp = DateTime.UtcNow;
                    break;
            }
        }

        return (pod, node);
    }

    /// <summary>"kind:app=x": plain, anti-host/anti-zone (required anti-affinity against app=x), affinity-zone/-host
    /// (required affinity to app=x), spread/spread-host/spread-both (DoNotSchedule over app=x), soft (ScheduleAnyway
    /// on the zone and preferred anti-affinity), owned (controlled by ReplicaSet rs-x, so the system default spread
    /// over its pods applies); the pod is labelled app=x itself, or app=y with ",self=y".</summary>
    private static V1Pod Incoming(string name, string spec)
    {
        var kind = spec[..spec.IndexOf(':')];
        var parts = spec[(spec.IndexOf(':') + 1)..].Split(",self=");
        var label = parts[0];
        var app = label[(label.IndexOf('=') + 1)..];
        var pod = Pod(name, labels: Labels(parts.Length > 1 ? $"app={parts[1]}" : label));
        var selector = new V1LabelSelector { MatchLabels = Labels(label) };
        V1TopologySpreadConstraint Spread(string key, string when = "DoNotSchedule") =>
            new() { MaxSkew = 1, TopologyKey = key, WhenUnsatisfiable = when, LabelSelector = selector };
        switch (kind)
        {
            case "anti-host":
            case "anti-zone":
                pod.Spec.Affinity = new V1Affinity { PodAntiAffinity = new V1PodAntiAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term(kind == "anti-zone" ? Zone : Host, app)] } };
                break;
            case "affinity-zone":
            case "affinity-host":
                pod.Spec.Affinity = new V1Affinity { PodAffinity = new V1PodAffinity { RequiredDuringSchedulingIgnoredDuringExecution = [Term(kind == "affinity-zone" ? Zone : Host, app)] } };
                break;
            case "spread":
                pod.Spec.TopologySpreadConstraints = [Spread(Zone)];
                break;
            case "spread-host":
                pod.Spec.TopologySpreadConstraints = [Spread(Host)];
                break;
            case "spread-both":
                pod.Spec.TopologySpreadConstraints = [Spread(Zone), Spread(Host)];
                break;
            case "owned":
                pod.Metadata.OwnerReferences = [new V1OwnerReference { ApiVersion = "apps/v1", Kind = "ReplicaSet", Name = "rs-" + app, Uid = "uid-rs-" + app, Controller = true }];
                break;
            case "soft":
                pod.Spec.TopologySpreadConstraints = [Spread(Zone, "ScheduleAnyway")];
                pod.Spec.Affinity = new V1Affinity
                {
                    PodAntiAffinity = new V1PodAntiAffinity { PreferredDuringSchedulingIgnoredDuringExecution = [new V1WeightedPodAffinityTerm { Weight = 10, PodAffinityTerm = Term(Zone, app) }] },
                };
                break;
        }

        return pod;
    }

    private static V1PodAffinityTerm Term(string topologyKey, string app) =>
        new() { TopologyKey = topologyKey, LabelSelector = new V1LabelSelector { MatchLabels = Labels($"app={app}") } };

    private static V1Pod WithNode(V1Pod pod, string node)
    {
        pod.Spec.NodeName = node;
        return pod;
    }
}
