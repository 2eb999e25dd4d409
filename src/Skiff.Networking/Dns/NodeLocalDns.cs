using System.Net;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Skiff.Client;

namespace Skiff.Networking.Dns;

/// <summary>
/// Cluster DNS on a node joined with <c>skiff agent</c>, as NodeLocal DNSCache runs it: the server on the cluster DNS
/// address bound on the node itself (a dummy interface), answering from the node's own Service and EndpointSlice
/// informers. Pods' queries to 10.43.0.10 never leave their node: no DNAT to another machine, no UDP conntrack
/// entries across nodes (NodeLocal DNSCache's reason to exist), no dependence on the server's node being reachable.
/// The kube-dns Service (made by <c>skiff server</c>) names that address as its endpoint, so the service proxy's DNAT
/// of it stays on the node too. One DNS server per machine: when the address's port 53 is already bound here (the
/// server, or another agent, on the same machine) this node uses that one and serves nothing.
/// </summary>
public static class NodeLocalDns
{
    public static async Task RunAsync(ClusterDnsOptions options, IPEndPoint listen, ComponentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(listen);
        ArgumentNullException.ThrowIfNull(context);
        var logger = context.Loggers.CreateLogger("Skiff.Networking.Dns");
        var state = Probe(listen);
        if (state == SocketError.AddressAlreadyInUse)
        {
            logger.LogInformation("cluster DNS {Listen} is already served on this machine; this node's pods use it", listen);
            return;
        }

        // Not on this machine yet: add the address (a dummy interface, or lo), removed again on a clean stop.
        await using var address = state == SocketError.AddressNotAvailable
            ? await NodeDnsAddress.AddAsync(listen.Address, logger, cancellationToken)
            : null;
        await ClusterDnsHost.RunAsync(options with { Listen = [listen] }, context, cancellationToken);
    }

    /// <summary>Whether <paramref name="listen"/> can be bound here: <see cref="SocketError.Success"/>,
    /// <see cref="SocketError.AddressAlreadyInUse"/> (someone serves it) or <see cref="SocketError.AddressNotAvailable"/>
    /// (the address is not on this machine).</summary>
    public static SocketError Probe(IPEndPoint listen)
    {
        ArgumentNullException.ThrowIfNull(listen);
        using var socket = new Socket(listen.AddressFamily, SocketType.Dgram, ProtocolType.Udp);
        try
        {
            socket.Bind(listen);
            return SocketError.Success;
        }
        catch (SocketException e)
        {
            return e.SocketErrorCode;
        }
    }
}
