using System.Globalization;

namespace Skiff.ApiServer.Services;

/// <summary>The NodePort range (<c>--service-node-port-range</c>, "30000-32767", both ends included).</summary>
public sealed record NodePortRange(int Base, int Size)
{
    public static NodePortRange Default { get; } = new(30000, 2768);

    /// <summary>Upstream's static band for ports: size / 32, at least 16 and at most 128.</summary>
    public int StaticBandSize => Size < 16 ? 0 : Math.Clamp(Size / 32, 16, 128);

    public int Last => Base + Size - 1;

    public static NodePortRange Parse(string text)
    {
        var parts = text.Split('-', StringSplitOptions.TrimEntries);
        if (parts.Length is < 1 or > 2
            || !int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out var first)
            || !int.TryParse(parts[^1], NumberStyles.None, CultureInfo.InvariantCulture, out var last)
            || first is < 1 or > 65535 || last < first || last > 65535)
        {
            throw new FormatException($"invalid port range {text}: expected FIRST-LAST within 1-65535, e.g. 30000-32767");
        }

        return new NodePortRange(first, last - first + 1);
    }

    public int? OffsetOf(int port) => port >= Base && port <= Last ? port - Base : null;

    public override string ToString() => string.Create(CultureInfo.InvariantCulture, $"{Base}-{Last}");
}
