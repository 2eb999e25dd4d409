using System.Net;
using System.Net.Sockets;

namespace Skiff.Apimachinery.Strategies.Networking;

/// <summary>A CIDR parsed as Go's <c>ParseCIDRSloppy</c> does: address bits past the prefix are allowed and masked.</summary>
internal readonly record struct Cidr(IPAddress Network, int PrefixLength)
{
    public static bool TryParse(string text, out Cidr cidr)
    {
        cidr = default;
        var slash = text.IndexOf('/', StringComparison.Ordinal);
        if (slash <= 0 || !IPAddress.TryParse(text.AsSpan(0, slash), out var address)
            || !int.TryParse(text.AsSpan(slash + 1), System.Globalization.NumberStyles.None, System.Globalization.CultureInfo.InvariantCulture, out var prefix))
        {
            return false;
        }

        var bits = address.AddressFamily == AddressFamily.InterNetwork ? 32 : 128;
        if (prefix > bits || (address.AddressFamily == AddressFamily.InterNetwork && text.AsSpan(0, slash).Count('.') != 3))
        {
            return false;
        }

        cidr = new Cidr(Mask(address, prefix), prefix);
        return true;
    }

    /// <summary>Whether <paramref name="address"/> lies inside this range.</summary>
    public bool Contains(IPAddress address) =>
        address.AddressFamily == Network.AddressFamily && Mask(address, PrefixLength).Equals(Network);

    private static IPAddress Mask(IPAddress address, int prefix)
    {
        var bytes = address.GetAddressBytes();
        for (var i = 0; i < bytes.Length; i++)
        {
            var keep = Math.Clamp(prefix - (i * 8), 0, 8);
            bytes[i] &= (byte)(0xFF << (8 - keep));
        }

        return new IPAddress(bytes);
    }
}
