using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Skiff.Networking.Routes;

/// <summary>
/// One pass of host-gw: from the Nodes, the routes this node should have — every other node's pod range via that
/// node's InternalIP, when the address is on one of this host's links — and then the changes that bring the route
/// table there: replace what is missing or points elsewhere, delete ours that no node wants any more (a node that
/// left). Routes of others (other protocols) are never seen, so never touched.
/// </summary>
public sealed class RouteReconciler(IRouteTable table, string nodeName, ILogger logger)
{
    /// <summary>The routes <paramref name="nodes"/> ask for on this node, before the on-link check: other nodes with a
    /// pod range and an IPv4 InternalIP that is not loopback (nodes sharing this machine's kernel need no route), and
    /// not this node's own range.</summary>
    public IReadOnlyList<PodRoute> Candidates(IEnumerable<V1Node> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var all = nodes.ToList();
        var local = all.FirstOrDefault(n => n.Metadata.Name == nodeName);
        var localCidr = local is null ? null : PodCidr(local);
        var routes = new List<PodRoute>();
        foreach (var node in all.Where(n => n.Metadata.Name != nodeName).OrderBy(n => n.Metadata.Name, StringComparer.Ordinal))
        {
            var cidr = PodCidr(node);
            var ip = InternalIp(node);
            if (cidr is null || ip is null || cidr == localCidr || IPAddress.IsLoopback(ip))
            {
                continue;
            }

            routes.Add(new PodRoute(cidr, ip.ToString()));
        }

        return routes;
    }

    /// <summary>Brings the table to what <paramref name="nodes"/> ask for; returns the changes made, as
    /// <c>replace DST via GW</c> / <c>delete DST</c>.</summary>
    public async Task<IReadOnlyList<string>> ReconcileAsync(IEnumerable<V1Node> nodes, CancellationToken cancellationToken)
    {
        var wanted = new Dictionary<string, PodRoute>(StringComparer.Ordinal);
        foreach (var route in Candidates(nodes))
        {
            if (wanted.ContainsKey(route.Destination))
            {
                continue; // two nodes claiming one range: the first by name wins, as the IPAM never does this
            }

            if (!await table.IsOnLinkAsync(IPAddress.Parse(route.Via), cancellationToken))
            {
                // host-gw needs a shared link; an overlay (VXLAN) for the other case is not built yet.
                logger.LogWarning("node address {Via} for pod range {Cidr} is not on a link of this host: no route", route.Via, route.Destination);
                continue;
            }

            wanted[route.Destination] = route;
        }

        var current = (await table.ListAsync(cancellationToken)).ToDictionary(r => r.Destination, StringComparer.Ordinal);
        var changes = new List<string>();
        foreach (var route in wanted.Values.OrderBy(r => r.Destination, StringComparer.Ordinal))
        {
            if (!current.TryGetValue(route.Destination, out var existing) || existing.Via != route.Via)
            {
                await table.ReplaceAsync(route, cancellationToken);
                changes.Add($"replace {route.Destination} via {route.Via}");
            }
        }

        foreach (var stale in current.Keys.Where(d => !wanted.ContainsKey(d)).Order(StringComparer.Ordinal))
        {
            await table.DeleteAsync(stale, cancellationToken);
            changes.Add($"delete {stale}");
        }

        return changes;
    }

    private static string? PodCidr(V1Node node) =>
        node.Spec?.PodCIDRs is { Count: > 0 } cidrs && !string.IsNullOrEmpty(cidrs[0]) ? cidrs[0]
        : string.IsNullOrEmpty(node.Spec?.PodCIDR) ? null : node.Spec.PodCIDR;

    private static IPAddress? InternalIp(V1Node node) =>
        node.Status?.Addresses?.Where(a => a.Type == "InternalIP")
            .Select(a => IPAddress.TryParse(a.Address, out var ip) ? ip : null)
            .FirstOrDefault(ip => ip is { AddressFamily: System.Net.Sockets.AddressFamily.InterNetwork });
}
