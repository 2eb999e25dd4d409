using k8s.Models;

namespace Skiff.Networking.EndpointSlices;

/// <summary>Endpoints that share one address type and one resolved port set, hence may share slices.</summary>
public sealed record EndpointGroup(string AddressType, IReadOnlyList<Discoveryv1EndpointPort> Ports, IReadOnlyList<V1Endpoint> Endpoints)
{
    /// <summary>A key equal for equal address types and port sets whatever the ports' order.</summary>
    public string Key => KeyOf(AddressType, Ports);

    public static string KeyOf(string? addressType, IEnumerable<Discoveryv1EndpointPort>? ports) =>
        addressType + "|" + string.Join(
            ",",
            (ports ?? []).Select(p => $"{p.Name}/{p.Protocol ?? "TCP"}/{p.Port}/{p.AppProtocol}").Order(StringComparer.Ordinal));
}
