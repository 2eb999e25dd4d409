using System.Net;
using System.Numerics;

namespace Skiff.Hosting;

/// <summary>The cluster DNS address: the tenth address of the service range (10.43.0.10 for 10.43.0.0/16), as
/// kubeadm and k3s choose it.</summary>
internal static class ClusterDnsAddress
{
    /// <summary>k3s's Service range, Skiff's default for <c>--service-cidr</c>.</summary>
    public const string DefaultServiceCidr = "10.43.0.0/16";

    public static IPAddress Of(string serviceCidr)
    {
        ArgumentNullException.ThrowIfNull(serviceCidr);
        var network = IPNetwork.Parse(serviceCidr.Split(',')[0].Trim());
        var bytes = network.BaseAddress.GetAddressBytes();
        var value = new BigInteger(bytes, isUnsigned: true, isBigEndian: true) + 10;
        var result = value.ToByteArray(isUnsigned: true, isBigEndian: true);
        var padded = new byte[bytes.Length];
        result.CopyTo(padded, padded.Length - result.Length);
        return new IPAddress(padded);
    }
}
