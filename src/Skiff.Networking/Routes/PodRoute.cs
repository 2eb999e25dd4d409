namespace Skiff.Networking.Routes;

/// <summary>A route to another node's pod range: <c>Destination</c> (its <c>spec.podCIDR</c>) via <c>Via</c> (its
/// InternalIP), as flannel's host-gw backend installs.</summary>
public sealed record PodRoute(string Destination, string Via);
