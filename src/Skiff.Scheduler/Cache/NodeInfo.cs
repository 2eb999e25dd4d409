using k8s.Models;

namespace Skiff.Scheduler.Cache;

/// <summary>
/// A node and the pods on it (bound or assumed), with their requests summed (upstream's framework.NodeInfo).
/// Changed only by <see cref="SchedulerCache"/> under its lock.
/// </summary>
public sealed class NodeInfo
{
    private readonly Dictionary<string, PodInfo> _pods = [];
    private string? _zone;
    private string? _hostname;

    public NodeInfo(V1Node node, bool exists = true)
    {
        SetNode(node, exists);
    }

    /// <summary>False for a placeholder holding the pods of a node the cache has not seen (yet or any more).</summary>
    public bool Exists { get; private set; }

    public V1Node Node { get; private set; } = null!;

    public string Name => Node.Metadata.Name;

    /// <summary>The node's labels. This and the other fields below are read from the node once, when it changes: the
    /// filters and scores read them on hundreds of nodes per cycle, and reading them through the node object costs
    /// two or three dependent loads into a heap that the API server's work keeps out of the CPU's caches (measured:
    /// the cordon check alone, the first filter to touch a node, was 56 % of the scheduling algorithm's CPU inside a
    /// server spreading pods over 5,000 simulated nodes, against 4 % in the algorithm's micro-benchmark).</summary>
    public IDictionary<string, string>? Labels { get; private set; }

    /// <summary><c>spec.unschedulable</c> (cordoned).</summary>
    public bool Unschedulable { get; private set; }

    /// <summary><c>spec.taints</c>, empty when none.</summary>
    public IReadOnlyList<V1Taint> Taints { get; private set; } = [];

    /// <summary>The value of the node label <paramref name="key"/>, or null. The zone and hostname, the topology keys
    /// of nearly every spread constraint and affinity term, are kept in fields: the filters ask for them on every
    /// node of every cycle, and a field of this object costs no lookup in a label dictionary elsewhere in the heap
    /// (measured: the dictionary lookup was 11 % of a scheduler's CPU spreading pods over 5,000 nodes).</summary>
    public string? Label(string key)
    {
        if (string.Equals(key, Plugins.PodTopologySpread.ZoneLabel, StringComparison.Ordinal))
        {
            return _zone;
        }

        if (string.Equals(key, Plugins.PodTopologySpread.HostnameLabel, StringComparison.Ordinal))
        {
            return _hostname;
        }

        return Labels is { } labels && labels.TryGetValue(key, out var value) ? value : null;
    }

    /// <summary>The node's allocatable resources; one object for the node's life, updated in place, so that it stays
    /// beside this one and its other amounts in memory.</summary>
    public Resources Allocatable { get; } = new();

    /// <summary>The <c>pods</c> allocatable (110 when the node does not say).</summary>
    public long AllowedPodCount { get; private set; }

    /// <summary>The sum of the requests of the pods on the node.</summary>
    public Resources Requested { get; } = new();

    /// <summary>The same with upstream's non-zero defaults, for scoring.</summary>
    public Resources NonZeroRequested { get; } = new();

    /// <summary>The pods (a struct-enumerated collection: the plugins walk it for every node in every cycle).</summary>
    public Dictionary<string, PodInfo>.ValueCollection Pods => _pods.Values;

    /// <summary>The number of pods (a field: the resource filter reads it on every node of every cycle).</summary>
    public int PodCount { get; private set; }

    /// <summary>Pods on the node that have required or preferred pod (anti-)affinity terms.</summary>
    public List<PodInfo> PodsWithAffinity { get; } = [];

    /// <summary>Pods on the node that have required anti-affinity terms (checked against every incoming pod).</summary>
    public List<PodInfo> PodsWithRequiredAntiAffinity { get; } = [];

    public List<HostPort> UsedPorts { get; } = [];

    /// <summary>Bumped on every change (for callers that cache per-node results).</summary>
    public long Generation { get; private set; }

    /// <summary>Bumped when a pod comes, goes or changes (not on node heartbeats).</summary>
    public long PodsVersion { get; private set; }

    /// <summary>The last count of pods matching a selector on this node, for PodTopologySpread's PreFilter (only
    /// used under the cache lock, one cycle at a time).</summary>
    internal MatchCountMemo? MatchCounts { get; set; }

    public void SetNode(V1Node node, bool exists = true)
    {
        ArgumentNullException.ThrowIfNull(node);
        Node = node;
        Exists = exists;
        var labels = node.Metadata?.Labels;
        Labels = labels;
        Unschedulable = node.Spec?.Unschedulable == true;
        Taints = node.Spec?.Taints is { Count: > 0 } taints ? [.. taints] : [];
        // Interned: every node of a zone then shares one string, which the spreading filter hashes for every node of
        // every cycle; each node's own copy was a cache miss of its own (a third of the algorithm's CPU in a server).
        // Zones are few, so the intern pool stays small.
        _zone = labels is not null && labels.TryGetValue(Plugins.PodTopologySpread.ZoneLabel, out var zone) && zone is not null ? string.Intern(zone) : null;
        _hostname = labels is not null && labels.TryGetValue(Plugins.PodTopologySpread.HostnameLabel, out var hostname) ? hostname : null;
        Allocatable.CopyFrom(Resources.From(node.Status?.Allocatable ?? node.Status?.Capacity));
        var pods = node.Status?.Allocatable ?? node.Status?.Capacity;
        AllowedPodCount = pods is not null && pods.TryGetValue("pods", out var q) ? (long)q.ToDecimal() : 110;
        Generation++;
    }

    public bool HasPod(string key) => _pods.ContainsKey(key);

    public PodInfo? PodNamed(string key) => _pods.GetValueOrDefault(key);

    public void AddPod(PodInfo pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (!_pods.TryAdd(pod.Key, pod))
        {
            RemovePod(pod.Key);
            _pods[pod.Key] = pod;
        }

        Requested.Add(pod.Requests);
        NonZeroRequested.Add(pod.NonZeroRequests);
        UsedPorts.AddRange(pod.HostPorts);
        if (pod.HasAffinityTerms)
        {
            PodsWithAffinity.Add(pod);
        }

        if (pod.RequiredAntiAffinity.Count > 0)
        {
            PodsWithRequiredAntiAffinity.Add(pod);
        }

        PodCount = _pods.Count;
        Generation++;
        PodsVersion++;
    }

    public bool RemovePod(string key)
    {
        if (!_pods.Remove(key, out var pod))
        {
            return false;
        }

        Requested.Subtract(pod.Requests);
        NonZeroRequested.Subtract(pod.NonZeroRequests);
        foreach (var port in pod.HostPorts)
        {
            UsedPorts.Remove(port);
        }

        PodsWithAffinity.Remove(pod);
        PodsWithRequiredAntiAffinity.Remove(pod);
        PodCount = _pods.Count;
        Generation++;
        PodsVersion++;
        return true;
    }
}
