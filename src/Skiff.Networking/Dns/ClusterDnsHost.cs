using System.Globalization;
using System.Net;
using Microsoft.Extensions.Logging;
using Skiff.Api.Dns;
using Skiff.Client;
using Skiff.Client.Api;

namespace Skiff.Networking.Dns;

/// <summary>
/// Runs cluster DNS on a <see cref="ComponentContext"/>: the Service and EndpointSlice informers, then the server on
/// the listen addresses until cancelled. Like CoreDNS it waits up to 5 s for the caches before serving, and answers
/// SERVFAIL rather than NXDOMAIN while they are not synced.
/// </summary>
public static class ClusterDnsHost
{
    public static async Task RunAsync(ClusterDnsOptions options, ComponentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        var logger = context.Loggers.CreateLogger("Skiff.Networking.Dns");
        var data = ClusterDnsData.FromInformers(context.Informers, options.AloneInProcess ? DnsProjection.InformerOptions : null);
        context.Informers.Start(cancellationToken);
        var upstreams = await UpstreamsAsync(options, cancellationToken);
        using (var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken))
        {
            wait.CancelAfter(TimeSpan.FromSeconds(5));
            try
            {
                await context.Informers.WaitForCacheSyncAsync(wait.Token);
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("starting cluster DNS with unsynced caches");
            }
        }

        if (options.AloneInProcess)
        {
            // The initial lists decoded every whole object before the projection kept a little of each: give the
            // heap that start-up needed back to the system once (what the Aggressive mode is for).
            GC.Collect(GC.MaxGeneration, GCCollectionMode.Aggressive, blocking: true, compacting: true);
        }

        await using var server = new ClusterDnsServer(data, options, upstreams, context.Time, logger);
        server.Start();
        logger.LogInformation(
            "cluster DNS for {Zone} on {Listen} (UDP and TCP), forwarding other names to {Upstreams}",
            options.Zone,
            string.Join(", ", options.Listen),
            upstreams.Count == 0 ? "nothing (SERVFAIL)" : string.Join(", ", upstreams));
        try
        {
            await Task.Delay(Timeout.Infinite, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    /// <summary>Cluster DNS alone in its process (<c>skiff dns</c>, <c>skiff-dns</c>): a component context of its own
    /// over <paramref name="api"/>, run until cancelled, then disposed.</summary>
    public static async Task RunAloneAsync(ClusterDnsOptions options, IApiClient api, ILoggerFactory loggers, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var context = ComponentContext.Create(api, TimeProvider.System, loggers);
        try
        {
            await RunAsync(options with { AloneInProcess = true }, context, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            await context.DisposeAsync();
        }
    }

    /// <summary>The configured upstreams, else the nameservers of resolv.conf, less the addresses this server
    /// listens on (forwarding to itself would loop).</summary>
    public static async Task<IReadOnlyList<IPEndPoint>> UpstreamsAsync(ClusterDnsOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        var upstreams = options.Upstreams.Count > 0
            ? options.Upstreams
            : (await ResolvConf.ReadAsync(options.ResolvConfPath, cancellationToken)).Nameservers
                .Select(s => IPAddress.TryParse(s.Split('%')[0], out var ip) ? new IPEndPoint(ip, 53) : null)
                .OfType<IPEndPoint>()
                .ToList();
        return upstreams.Where(u => !options.Listen.Any(l => l.Equals(u))).ToList();
    }

    /// <summary>Parses <c>ADDR</c>, <c>ADDR:PORT</c> or <c>[V6]:PORT</c> (port 53 when none).</summary>
    public static IPEndPoint ParseEndpoint(string text)
    {
        ArgumentNullException.ThrowIfNull(text);
        if (IPAddress.TryParse(text, out var bare))
        {
            return new IPEndPoint(bare, 53);
        }

        if (IPEndPoint.TryParse(text, out var endpoint))
        {
            return endpoint.Port == 0 ? new IPEndPoint(endpoint.Address, 53) : endpoint;
        }

        throw new FormatException(string.Create(CultureInfo.InvariantCulture, $"not an address or address:port: \"{text}\""));
    }
}
