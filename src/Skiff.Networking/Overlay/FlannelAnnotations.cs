using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;

namespace Skiff.Networking.Overlay;

/// <summary>
/// The annotations a node publishes for the overlay, flannel's own keys and format (so tools that read flannel's
/// see a familiar node): <c>backend-type: vxlan</c>, <c>backend-data: {"VNI":1,"VtepMAC":"…"}</c>, <c>public-ip</c>.
/// The other nodes read the VTEP MAC from there.
/// </summary>
public static class FlannelAnnotations
{
    public const string BackendType = "flannel.alpha.coreos.com/backend-type";
    public const string BackendData = "flannel.alpha.coreos.com/backend-data";
    public const string PublicIp = "flannel.alpha.coreos.com/public-ip";
    public const string KubeSubnetManager = "flannel.alpha.coreos.com/kube-subnet-manager";

    /// <summary>What this node's annotations should be for its VTEP.</summary>
    public static IReadOnlyDictionary<string, string> For(string publicIp, string vtepMac) => new Dictionary<string, string>(StringComparer.Ordinal)
    {
        [BackendType] = "vxlan",
        [BackendData] = new JsonObject { ["VNI"] = VxlanSettings.Vni, ["VtepMAC"] = vtepMac }.ToJsonString(),
        [PublicIp] = publicIp,
        [KubeSubnetManager] = "true",
    };

    /// <summary>True when <paramref name="node"/> already carries <paramref name="wanted"/>.</summary>
    public static bool Has(V1Node node, IReadOnlyDictionary<string, string> wanted)
    {
        ArgumentNullException.ThrowIfNull(node);
        ArgumentNullException.ThrowIfNull(wanted);
        var annotations = node.Metadata?.Annotations;
        return annotations is not null && wanted.All(w => annotations.TryGetValue(w.Key, out var v) && v == w.Value);
    }

    /// <summary>The VTEP MAC a node published, or null (not a vxlan node yet, or unreadable data).</summary>
    public static string? VtepMacOf(V1Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        if (node.Metadata?.Annotations is not { } annotations
            || !annotations.TryGetValue(BackendType, out var type) || type != "vxlan"
            || !annotations.TryGetValue(BackendData, out var data))
        {
            return null;
        }

        try
        {
            return JsonNode.Parse(data)?["VtepMAC"]?.GetValue<string>() is { Length: 17 } mac ? mac.ToLowerInvariant() : null;
        }
        catch (Exception e) when (e is JsonException or InvalidOperationException)
        {
            return null;
        }
    }
}
