using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Networking.Overlay;

namespace Skiff.Networking.Routes;

/// <summary>
/// One pass of the pod network between nodes: from the Nodes, what this node should have for every other node's pod
/// range — host-gw: a route via the node's InternalIP when that address is on one of this host's links; VXLAN: this
/// node's VXLAN device, a forwarding entry (the node's VTEP MAC → its address), a neighbour entry (its gateway
/// address → that MAC) and a route to its range via its gateway on the device; auto: host-gw where the link is
/// shared, VXLAN elsewhere — and then the changes that bring the kernel there: add what is missing or points
/// elsewhere, delete ours that no node wants any more (a node that left). Routes of others (other protocols) are
/// never seen, so never touched.
/// </summary>
public sealed class RouteReconciler(IRouteTable table, string nodeName, ILogger logger, PodNetworkBackend backend = PodNetworkBackend.HostGateway, IVxlanTable? vxlan = null)
{
    /// <summary>The routes <paramref name="nodes"/> ask for on this node, before the on-link check: other nodes with a
    /// pod range and an IPv4 InternalIP that is not loopback (nodes sharing this machine's kernel need no route), and
    /// not this node's own range.</summary>
    public IReadOnlyList<PodRoute> Candidates(IEnumerable<V1Node> nodes) => [.. Peers(nodes).Select(p => p.Route)];

    /// <summary>This node's VXLAN device as <paramref name="nodes"/> describe it (its InternalIP, pod range), or null
    /// when this backend has no overlay or the node has no usable address or range yet.</summary>
    public VxlanDevice? LocalDevice(IEnumerable<V1Node> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        if (backend is not (PodNetworkBackend.Vxlan or PodNetworkBackend.Auto) || vxlan is null)
        {
            return null;
        }

        var local = nodes.FirstOrDefault(n => n.Metadata.Name == nodeName);
        if (local is null || PodCidr(local) is not { } cidr || InternalIp(local) is not { } ip || IPAddress.IsLoopback(ip))
        {
            return null;
        }

        return new VxlanDevice(ip.ToString(), VtepMac.For(ip), NetworkAddress(cidr));
    }

    /// <summary>The VXLAN device the last pass set up (null: none, or it failed): what this node may publish.</summary>
    public VxlanDevice? ActiveDevice { get; private set; }

    /// <summary>Brings the kernel to what <paramref name="nodes"/> ask for; returns the changes made, as
    /// <c>replace DST via GW [dev D]</c> / <c>delete DST</c> / <c>neigh|fdb replace|delete …</c>.</summary>
    public async Task<IReadOnlyList<string>> ReconcileAsync(IEnumerable<V1Node> nodes, CancellationToken cancellationToken)
    {
        var all = nodes.ToList();
        var device = LocalDevice(all);
        if (device is not null)
        {
            try
            {
                await vxlan!.EnsureDeviceAsync(device, cancellationToken);
            }
            catch (InvalidOperationException e)
            {
                // No vxlan module, say: nodes on a shared link still get their direct routes.
                logger.LogError(e, "the VXLAN device {Device} could not be set up: no overlay on this node", VxlanSettings.DeviceName);
                device = null;
            }
        }

        ActiveDevice = device;
        var changes = new List<string>();
        if (backend == PodNetworkBackend.HostGateway && vxlan is not null && LocalIp(all) is { } localIp
            && await vxlan.DeleteDeviceAsync(localIp.ToString(), cancellationToken))
        {
            // Left by an earlier run with the overlay (the backend changed on restart): its routes, neighbours and
            // forwarding entries go with it, and the host-gw routes below take over.
            changes.Add($"link delete {VxlanSettings.DeviceName}");
        }

        var wanted = new Dictionary<string, PodRoute>(StringComparer.Ordinal);
        var neighbours = new Dictionary<string, VxlanNeighbour>(StringComparer.Ordinal);
        var forwarding = new Dictionary<string, VxlanForwarding>(StringComparer.Ordinal);
        foreach (var (route, node) in Peers(all))
        {
            if (wanted.ContainsKey(route.Destination))
            {
                continue; // two nodes claiming one range: the first by name wins, as the IPAM never does this
            }

            var onLink = backend != PodNetworkBackend.Vxlan && await table.IsOnLinkAsync(IPAddress.Parse(route.Via), cancellationToken);
            if (onLink)
            {
                wanted[route.Destination] = route;
                continue;
            }

            if (backend == PodNetworkBackend.HostGateway)
            {
                logger.LogWarning("node address {Via} for pod range {Cidr} is not on a link of this host: no route (host-gw needs a shared link; --flannel-backend vxlan does not)", route.Via, route.Destination);
                continue;
            }

            if (device is null || FlannelAnnotations.VtepMacOf(node) is not { } mac)
            {
                logger.LogInformation("no VXLAN path to pod range {Cidr} yet (this node's device or node {Node}'s VTEP annotation is missing)", route.Destination, node.Metadata.Name);
                continue;
            }

            var gateway = NetworkAddress(route.Destination);
            wanted[route.Destination] = new PodRoute(route.Destination, gateway, VxlanSettings.DeviceName);
            neighbours[gateway] = new VxlanNeighbour(gateway, mac);
            forwarding[mac] = new VxlanForwarding(mac, route.Via);
        }

        // The link-layer entries first, so a new route never points at a neighbour the kernel cannot resolve.
        var currentForwarding = vxlan is null ? [] : await vxlan.ListForwardingAsync(cancellationToken);
        var currentNeighbours = vxlan is null ? [] : await vxlan.ListNeighboursAsync(cancellationToken);
        foreach (var entry in forwarding.Values.Where(f => !currentForwarding.Contains(f)).OrderBy(f => f.Mac, StringComparer.Ordinal))
        {
            await vxlan!.ReplaceForwardingAsync(entry, cancellationToken);
            changes.Add($"fdb replace {entry.Mac} dst {entry.Destination}");
        }

        foreach (var entry in neighbours.Values.Where(n => !currentNeighbours.Contains(n)).OrderBy(n => n.Ip, StringComparer.Ordinal))
        {
            await vxlan!.ReplaceNeighbourAsync(entry, cancellationToken);
            changes.Add($"neigh replace {entry.Ip} lladdr {entry.Mac}");
        }

        var current = (await table.ListAsync(cancellationToken)).ToDictionary(r => r.Destination, StringComparer.Ordinal);
        foreach (var route in wanted.Values.OrderBy(r => r.Destination, StringComparer.Ordinal))
        {
            if (!current.TryGetValue(route.Destination, out var existing) || existing != route)
            {
                await table.ReplaceAsync(route, cancellationToken);
                changes.Add(route.Device is null ? $"replace {route.Destination} via {route.Via}" : $"replace {route.Destination} via {route.Via} dev {route.Device}");
            }
        }

        foreach (var stale in current.Keys.Where(d => !wanted.ContainsKey(d)).Order(StringComparer.Ordinal))
        {
            await table.DeleteAsync(stale, cancellationToken);
            changes.Add($"delete {stale}");
        }

        // A node that left: its neighbour and forwarding entries go after its route.
        foreach (var entry in currentNeighbours.Where(n => !neighbours.ContainsKey(n.Ip)).OrderBy(n => n.Ip, StringComparer.Ordinal))
        {
            await vxlan!.DeleteNeighbourAsync(entry, cancellationToken);
            changes.Add($"neigh delete {entry.Ip}");
        }

        foreach (var entry in currentForwarding.Where(f => !forwarding.Values.Contains(f)).OrderBy(f => f.Mac, StringComparer.Ordinal))
        {
            await vxlan!.DeleteForwardingAsync(entry, cancellationToken);
            changes.Add($"fdb delete {entry.Mac} dst {entry.Destination}");
        }

        return changes;
    }

    /// <summary>This node's IPv4 InternalIP, unless loopback (nodes sharing a kernel have no device of their own).</summary>
    private IPAddress? LocalIp(IEnumerable<V1Node> nodes) =>
        nodes.FirstOrDefault(n => n.Metadata.Name == nodeName) is { } local && InternalIp(local) is { } ip && !IPAddress.IsLoopback(ip) ? ip : null;

    /// <summary>The other nodes with a pod range and a usable address, by name, with the host-gw route to each.</summary>
    private List<(PodRoute Route, V1Node Node)> Peers(IEnumerable<V1Node> nodes)
    {
        ArgumentNullException.ThrowIfNull(nodes);
        var all = nodes.ToList();
        var local = all.FirstOrDefault(n => n.Metadata.Name == nodeName);
        var localCidr = local is null ? null : PodCidr(local);
        var peers = new List<(PodRoute, V1Node)>();
        foreach (var node in all.Where(n => n.Metadata.Name != nodeName).OrderBy(n => n.Metadata.Name, StringComparer.Ordinal))
        {
            var cidr = PodCidr(node);
            var ip = InternalIp(node);
            if (cidr is null || ip is null || cidr == localCidr || IPAddress.IsLoopback(ip))
            {
                continue;
            }

            peers.Add((new PodRoute(cidr, ip.ToString()), node));
        }

        return peers;
    }

    /// <summary>The first address of a range (<c>10.42.1.0/24</c> → <c>10.42.1.0</c>): a node's gateway on the overlay.</summary>
    internal static string NetworkAddress(string cidr)
    {
        var slash = cidr.IndexOf('/', StringComparison.Ordinal);
        var bytes = IPAddress.Parse(cidr[..slash]).GetAddressBytes();
        var bits = int.Parse(cidr[(slash + 1)..], System.Globalization.CultureInfo.InvariantCulture);
        for (var i = 0; i < 4; i++)
        {
            var keep = Math.Clamp(bits - (8 * i), 0, 8);
            bytes[i] &= (byte)(0xff << (8 - keep));
        }

        return new IPAddress(bytes).ToString();
    }

    private static string? PodCidr(V1Node node) =>
        node.Spec?.PodCIDRs is { Count: > 0 } cidrs && !string.IsNullOrEmpty(cidrs[0]) ? cidrs[0]
        : string.IsNullOrEmpty(node.Spec?.PodCIDR) ? null : node.Spec.PodCIDR;

    internal static IPAddress? InternalIp(V1Node node) =>
        node.Status?.Addresses?.Where(a => a.Type == "InternalIP")
            .Select(a => IPAddress.TryParse(a.Address, out var ip) ? ip : null)
            .FirstOrDefault(ip => ip is { AddressFamily: System.Net.Sockets.AddressFamily.InterNetwork });
}
