using k8s.Models;

namespace Skiff.Controllers.NodeLifecycle;

/// <summary>A zone's health as upstream's node lifecycle controller judges it, which sets its eviction rate.</summary>
public enum ZoneState
{
    Initial,
    Normal,
    FullDisruption,
    PartialDisruption,
}

/// <summary>Zones and their states (upstream's GetZoneKey and ComputeZoneState).</summary>
public static class Zones
{
    public const string RegionLabel = "topology.kubernetes.io/region";
    public const string ZoneLabel = "topology.kubernetes.io/zone";

    /// <summary>The zone key of a node: region and zone labels (empty for a node without them).</summary>
    public static string KeyOf(V1Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var labels = node.Metadata?.Labels;
        var region = labels is not null && labels.TryGetValue(RegionLabel, out var r) ? r : string.Empty;
        var zone = labels is not null && labels.TryGetValue(ZoneLabel, out var z) ? z : string.Empty;
        return region.Length == 0 && zone.Length == 0 ? string.Empty : $"{region}:\0:{zone}";
    }

    /// <summary>Fully disrupted when no node is Ready; partially when more than two nodes and at least
    /// <paramref name="unhealthyThreshold"/> of them are not Ready; normal otherwise.</summary>
    public static ZoneState Compute(IReadOnlyCollection<V1NodeCondition?> readyConditions, double unhealthyThreshold)
    {
        ArgumentNullException.ThrowIfNull(readyConditions);
        var ready = readyConditions.Count(c => c?.Status == "True");
        var notReady = readyConditions.Count - ready;
        if (ready == 0 && notReady > 0)
        {
            return ZoneState.FullDisruption;
        }

        return notReady > 2 && (double)notReady / (notReady + ready) >= unhealthyThreshold ? ZoneState.PartialDisruption : ZoneState.Normal;
    }
}
