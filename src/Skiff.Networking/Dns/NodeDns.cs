using System.Net;
using Microsoft.Extensions.Logging;
using Skiff.Client;

namespace Skiff.Networking.Dns;

/// <summary>
/// Cluster DNS as <c>skiff server</c> runs it: the <c>kube-dns</c> Service, the cluster DNS address on the node,
/// and the server on that address (53/UDP and 53/TCP) until cancelled.
/// </summary>
public static class NodeDns
{
    public static Task RunAsync(ClusterDnsOptions options, IPAddress clusterDns, ComponentContext context, CancellationToken cancellationToken) =>
        RunAsync(options, clusterDns, context, context?.Api ?? throw new ArgumentNullException(nameof(context)), cancellationToken);

    /// <summary>As above, with the <c>kube-dns</c> Service installed through <paramref name="installer"/> (an add-on
    /// installer's rights) while the server reads with <paramref name="context"/>'s own least-privilege identity.</summary>
    public static async Task RunAsync(ClusterDnsOptions options, IPAddress clusterDns, ComponentContext context, Client.Api.IApiClient installer, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        var logger = context.Loggers.CreateLogger("Skiff.Networking.Dns");
        await ClusterDnsService.EnsureAsync(installer, options, clusterDns, logger, cancellationToken);
        await using var address = await NodeDnsAddress.AddAsync(clusterDns, logger, cancellationToken);
        var listen = options.Listen.Count > 0 ? options.Listen : [new IPEndPoint(clusterDns, 53)];
        await ClusterDnsHost.RunAsync(options with { Listen = listen }, context, cancellationToken);
    }
}
