namespace Skiff.Networking.Overlay;

/// <summary>The VXLAN overlay's fixed parameters, flannel's vxlan defaults (VNI 1, the Linux kernel's historical
/// port 8472, 50 bytes of outer headers) on a device named after Skiff as flannel's is <c>flannel.1</c>.</summary>
public static class VxlanSettings
{
    public const string DeviceName = "skiff.1";
    public const int Vni = 1;
    public const int Port = 8472;

    /// <summary>Outer Ethernet-less overhead of a VXLAN packet: IPv4 20 + UDP 8 + VXLAN 8 + inner Ethernet 14.</summary>
    public const int Overhead = 50;
}
