using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Controllers.NodeLifecycle;

/// <summary>The taints the node lifecycle controller manages, and how it changes a node's taints.</summary>
public static class NodeTaints
{
    public const string NotReady = "node.kubernetes.io/not-ready";
    public const string Unreachable = "node.kubernetes.io/unreachable";
    public const string MemoryPressure = "node.kubernetes.io/memory-pressure";
    public const string DiskPressure = "node.kubernetes.io/disk-pressure";
    public const string PidPressure = "node.kubernetes.io/pid-pressure";
    public const string NetworkUnavailable = "node.kubernetes.io/network-unavailable";
    public const string NoSchedule = "NoSchedule";
    public const string NoExecute = "NoExecute";

    /// <summary>The NoSchedule taint keys a node's conditions call for (upstream's nodeConditionToTaintKeyStatusMap).</summary>
    public static IReadOnlyList<string> NoScheduleKeysFor(V1Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var keys = new List<string>();
        foreach (var c in node.Status?.Conditions ?? [])
        {
            var key = (c.Type, c.Status) switch
            {
                ("Ready", "False") => NotReady,
                ("Ready", "Unknown") => Unreachable,
                ("MemoryPressure", "True") => MemoryPressure,
                ("DiskPressure", "True") => DiskPressure,
                ("PIDPressure", "True") => PidPressure,
                ("NetworkUnavailable", "True") => NetworkUnavailable,
                _ => null,
            };
            if (key is not null)
            {
                keys.Add(key);
            }
        }

        return keys;
    }

    /// <summary>The keys whose NoSchedule taint this controller owns.</summary>
    public static readonly IReadOnlySet<string> ManagedNoScheduleKeys = new HashSet<string>(StringComparer.Ordinal)
    {
        NotReady, Unreachable, MemoryPressure, DiskPressure, PidPressure, NetworkUnavailable,
    };

    public static bool Has(V1Node node, string key, string effect) =>
        node.Spec?.Taints?.Any(t => t.Key == key && t.Effect == effect) ?? false;

    /// <summary>Adds <paramref name="add"/> (stamped <paramref name="now"/>) and removes the taints
    /// <paramref name="remove"/> selects, on the node as stored (retrying on conflict); no write when nothing changes.
    /// Returns false when the node is gone.</summary>
    public static async Task<bool> SwapAsync(IApiClient api, string nodeName, IReadOnlyList<(string Key, string Effect)> add, Func<V1Taint, bool> remove, DateTimeOffset now, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        for (var attempt = 0; ; attempt++)
        {
            var node = await api.GetAsync<V1Node>(null, nodeName, cancellationToken);
            if (node is null)
            {
                return false;
            }

            var taints = node.Spec?.Taints?.ToList() ?? [];
            var kept = taints.Where(t => !remove(t) || add.Any(a => a.Key == t.Key && a.Effect == t.Effect)).ToList();
            foreach (var (key, effect) in add.Where(a => !kept.Any(t => t.Key == a.Key && t.Effect == a.Effect)))
            {
                kept.Add(new V1Taint { Key = key, Effect = effect, TimeAdded = now.UtcDateTime });
            }

            if (kept.Count == taints.Count && kept.All(taints.Contains))
            {
                return true;
            }

            node.Spec ??= new V1NodeSpec();
            node.Spec.Taints = kept.Count == 0 ? null : kept;
            try
            {
                await api.UpdateAsync(node, cancellationToken);
                return true;
            }
            catch (ApiException e) when (e.IsConflict && attempt < 5)
            {
                // The kubelet or someone else wrote meanwhile: read again.
            }
        }
    }
}
