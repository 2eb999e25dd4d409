namespace Skiff.Networking.Routes;

/// <summary>A route to another node's pod range: <c>Destination</c> (its <c>spec.podCIDR</c>) via <c>Via</c>. For
/// host-gw <c>Via</c> is the node's InternalIP and <c>Device</c> null (the kernel picks the link); for the VXLAN
/// overlay <c>Via</c> is the remote node's gateway address (its range's <c>.0</c>) on <c>Device</c>, marked
/// <c>onlink</c> since no link of ours has that address (flannel's vxlan backend).</summary>
public sealed record PodRoute(string Destination, string Via, string? Device = null);
