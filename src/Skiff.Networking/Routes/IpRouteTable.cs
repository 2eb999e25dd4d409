using System.Globalization;
using System.Net;
using System.Text.Json.Nodes;

namespace Skiff.Networking.Routes;

/// <summary>
/// <see cref="IRouteTable"/> through iproute2's <c>ip</c> command (JSON output with <c>-j</c>), optionally in a
/// network namespace (<c>ip -n NS</c>, for tests). The command rather than raw netlink: no maintained netlink
/// library is on the allowed package list, a handful of route changes per node event costs nothing, and the
/// service proxy programs nftables the same way (the <c>nft</c> command). Our routes carry protocol
/// <see cref="Protocol"/> in the main table, so listing and deleting only ever see ours.
/// </summary>
public sealed class IpRouteTable(string? netns = null, string ip = "ip") : IRouteTable
{
    /// <summary>The route protocol number marking Skiff's routes (an unassigned value of rtnetlink's proto field;
    /// <c>ip route show proto 151</c> lists them).</summary>
    public const int Protocol = 151;

    private static readonly string ProtocolText = Protocol.ToString(CultureInfo.InvariantCulture);

    /// <summary>The arguments after <c>ip</c> that install <paramref name="route"/>.</summary>
    public static IReadOnlyList<string> ReplaceArguments(PodRoute route)
    {
        ArgumentNullException.ThrowIfNull(route);
        return route.Device is null
            ? ["-4", "route", "replace", route.Destination, "via", route.Via, "proto", ProtocolText]
            : ["-4", "route", "replace", route.Destination, "via", route.Via, "dev", route.Device, "onlink", "proto", ProtocolText];
    }

    /// <summary>The arguments after <c>ip</c> that remove our route to <paramref name="destination"/>.</summary>
    public static IReadOnlyList<string> DeleteArguments(string destination) =>
        ["-4", "route", "del", destination, "proto", ProtocolText];

    public async Task<IReadOnlyList<PodRoute>> ListAsync(CancellationToken cancellationToken)
    {
        var json = await RunAsync(["-4", "-j", "route", "show", "table", "main", "proto", ProtocolText], cancellationToken);
        var routes = new List<PodRoute>();
        foreach (var entry in JsonNode.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json)?.AsArray() ?? [])
        {
            if (entry?["dst"]?.GetValue<string>() is { } dst)
            {
                // Only an onlink route names its device: that is an overlay route; host-gw leaves the link to the kernel.
                var onLink = entry["flags"]?.AsArray().Any(f => f?.GetValue<string>() == "onlink") == true;
                routes.Add(new PodRoute(dst, entry["gateway"]?.GetValue<string>() ?? string.Empty, onLink ? entry["dev"]?.GetValue<string>() : null));
            }
        }

        return routes;
    }

    public Task ReplaceAsync(PodRoute route, CancellationToken cancellationToken) => RunAsync(ReplaceArguments(route), cancellationToken);

    public Task DeleteAsync(string destination, CancellationToken cancellationToken) => RunAsync(DeleteArguments(destination), cancellationToken);

    public async Task<bool> IsOnLinkAsync(IPAddress address, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        string json;
        try
        {
            json = await RunAsync(["-4", "-j", "route", "get", address.ToString()], cancellationToken);
        }
        catch (InvalidOperationException)
        {
            return false; // unreachable
        }

        var route = JsonNode.Parse(json)?.AsArray().FirstOrDefault();
        return route is not null
            && route["gateway"] is null
            && route["dev"]?.GetValue<string>() is { } dev && dev != "lo"
            && route["type"]?.GetValue<string>() is null or "unicast";
    }

    private Task<string> RunAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) =>
        IpCommand.RunAsync(ip, netns, arguments, cancellationToken);
}
