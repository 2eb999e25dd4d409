namespace Skiff.Networking.Overlay;

/// <summary>This node's VXLAN device: its address on the underlay (<c>local</c>), its MAC, and the gateway address
/// it carries (the <c>.0</c> of this node's pod range, as flannel gives <c>flannel.1</c>).</summary>
public sealed record VxlanDevice(string LocalIp, string Mac, string Gateway);

/// <summary>A neighbour entry on the VXLAN device: a remote node's gateway address is its VTEP's MAC.</summary>
public sealed record VxlanNeighbour(string Ip, string Mac);

/// <summary>A forwarding entry on the VXLAN device: frames for a remote VTEP's MAC go in UDP to that node's address.</summary>
public sealed record VxlanForwarding(string Mac, string Destination);
