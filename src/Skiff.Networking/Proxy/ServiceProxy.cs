using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Informers;

namespace Skiff.Networking.Proxy;

/// <summary>
/// kube-proxy's role on one node: watches Services and EndpointSlices through the shared informers and keeps the
/// node's nftables table equal to what they ask for. Changes mark the proxy dirty; one loop syncs at most once per
/// <see cref="ServiceProxyOptions.MinSyncPeriod"/>, so a burst of changes is one transaction. The first sync
/// replaces the table whole (stale rules from an earlier run go), later ones are incremental; a failed apply is
/// retried with a full replace. The table is deleted when the node stops cleanly.
/// </summary>
public sealed class ServiceProxy
{
    private readonly ServiceProxyOptions _options;
    private readonly ComponentContext _context;
    private readonly SharedInformer<V1Service> _services;
    private readonly SharedInformer<V1EndpointSlice> _slices;
    private readonly NftCommand _nft;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<IProxyTableContributor> _contributors;
    private readonly SemaphoreSlim _dirty = new(0, 1);
    private NftRuleset? _applied;

    public ServiceProxy(ServiceProxyOptions options, ComponentContext context, IReadOnlyList<IProxyTableContributor>? contributors = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        _options = options;
        _context = context;
        _services = context.Informers.Get<V1Service>();
        _slices = context.Informers.Get<V1EndpointSlice>();
        _nft = new NftCommand(options.NetworkNamespace);
        _logger = context.Loggers.CreateLogger("Skiff.Networking.ServiceProxy");
        _contributors = contributors ?? [];
    }

    /// <summary>Syncs done so far (tests wait on it).</summary>
    public int Syncs { get; private set; }

    public static Task RunAsync(ServiceProxyOptions options, ComponentContext context, CancellationToken cancellationToken) =>
        new ServiceProxy(options, context).RunAsync(cancellationToken);

    /// <summary>The proxy with other components' chains in its table (network policy).</summary>
    public static Task RunAsync(ServiceProxyOptions options, ComponentContext context, IReadOnlyList<IProxyTableContributor> contributors, CancellationToken cancellationToken) =>
        new ServiceProxy(options, context, contributors).RunAsync(cancellationToken);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var services = _services.AddEventHandler(ResourceEventHandler<V1Service>.ForAny(_ => MarkDirty()));
        using var slices = _slices.AddEventHandler(ResourceEventHandler<V1EndpointSlice>.ForAny(_ => MarkDirty()));
        if (_options.NetworkNamespace is null)
        {
            await NodeKernelSettings.EnsureAsync(_options.BridgeName, _logger, cancellationToken);
        }

        _context.Informers.Start(cancellationToken);
        await Task.WhenAll(_services.WaitForSyncAsync(cancellationToken), _slices.WaitForSyncAsync(cancellationToken));
        var contributions = new List<IDisposable>();
        foreach (var contributor in _contributors)
        {
            contributions.Add(await contributor.StartAsync(MarkDirty, cancellationToken));
        }

        _logger.LogInformation("service proxy started for node {Node} (table ip {Table})", _options.NodeName, _options.Table);
        MarkDirty();
        try
        {
            while (true)
            {
                await _dirty.WaitAsync(cancellationToken);
                var started = _context.Time.GetUtcNow();
                await SyncOnceAsync(cancellationToken);
                var wait = _options.MinSyncPeriod - (_context.Time.GetUtcNow() - started);
                if (wait > TimeSpan.Zero)
                {
                    await Task.Delay(wait, _context.Time, cancellationToken);
                }
            }
        }
        finally
        {
            contributions.ForEach(c => c.Dispose());
            await CleanUpAsync();
        }
    }

    private void MarkDirty()
    {
        if (_dirty.CurrentCount == 0)
        {
            try
            {
                _dirty.Release();
            }
            catch (SemaphoreFullException)
            {
                // Another event marked it at the same moment: one sync covers both.
            }
        }
    }

    private async Task SyncOnceAsync(CancellationToken cancellationToken)
    {
        var ports = ProxiedPorts.Build(_services.Cache.List(), _slices.Cache.List(), _options.NodeName);
        var wanted = ProxyRules.Build(ports, _options.Table, _options.PodCidr, _options.ClusterCidr);
        foreach (var contributor in _contributors)
        {
            contributor.AddTo(wanted);
        }

        var transaction = _applied is null ? NftTransaction.Full(wanted) : NftTransaction.Incremental(_applied, wanted);
        if (transaction.Length == 0)
        {
            return;
        }

        try
        {
            await _nft.ApplyAsync(transaction, cancellationToken);
            _applied = wanted;
            Syncs++;
            _logger.LogDebug("service proxy synced {Ports} service ports", ports.Count);
        }
        catch (NftException e)
        {
            // The kernel kept the previous state; the next sync replaces the table whole.
            _applied = null;
            _logger.LogError(e, "service proxy sync failed; retrying with a full sync");
            MarkDirtyLater(cancellationToken);
        }
    }

    private void MarkDirtyLater(CancellationToken cancellationToken) =>
        _ = Task.Delay(_options.MinSyncPeriod, _context.Time, cancellationToken).ContinueWith(_ => MarkDirty(), TaskScheduler.Default);

    private async Task CleanUpAsync()
    {
        try
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
            await _nft.DeleteTableAsync(_options.Table, timeout.Token);
            _logger.LogInformation("service proxy removed table ip {Table}", _options.Table);
        }
        catch (Exception e) when (e is NftException or OperationCanceledException or System.ComponentModel.Win32Exception)
        {
            _logger.LogWarning(e, "service proxy could not remove table ip {Table}", _options.Table);
        }
    }
}
