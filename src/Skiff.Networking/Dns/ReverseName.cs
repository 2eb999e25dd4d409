using System.Globalization;
using System.Net;
using System.Text;

namespace Skiff.Networking.Dns;

/// <summary>The address of a reverse-lookup name (<c>4.3.2.1.in-addr.arpa</c>, the 32 nibbles of
/// <c>ip6.arpa</c>).</summary>
internal static class ReverseName
{
    public static bool IsReverse(IReadOnlyList<string> labels) =>
        labels.Count >= 2 && labels[^1] == "arpa" && (labels[^2] == "in-addr" || labels[^2] == "ip6");

    public static string? Address(IReadOnlyList<string> labels)
    {
        if (labels.Count == 6 && labels[^2] == "in-addr")
        {
            var text = string.Join('.', labels.Take(4).Reverse());
            return IPAddress.TryParse(text, out var v4) && v4.AddressFamily == System.Net.Sockets.AddressFamily.InterNetwork
                && text.Split('.').All(p => byte.TryParse(p, NumberStyles.None, CultureInfo.InvariantCulture, out var b) && p == b.ToString(CultureInfo.InvariantCulture))
                ? v4.ToString()
                : null;
        }

        if (labels.Count == 34 && labels[^2] == "ip6" && labels.Take(32).All(l => l.Length == 1 && Uri.IsHexDigit(l[0])))
        {
            var hex = new StringBuilder(39);
            var nibbles = labels.Take(32).Reverse().ToList();
            for (var i = 0; i < 32; i++)
            {
                if (i > 0 && i % 4 == 0)
                {
                    hex.Append(':');
                }

                hex.Append(nibbles[i]);
            }

            return IPAddress.TryParse(hex.ToString(), out var v6) ? v6.ToString() : null;
        }

        return null;
    }
}
