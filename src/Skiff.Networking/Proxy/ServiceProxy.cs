using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Informers;

namespace Skiff.Networking.Proxy;

/// <summary>
/// kube-proxy's role on one node: watches Services and EndpointSlices through the shared informers and keeps the
/// node's nftables table equal to what they ask for. Each event notes its Service as changed and marks the proxy
/// dirty; one loop syncs at most once per <see cref="ServiceProxyOptions.MinSyncPeriod"/>, so a burst of changes is
/// one transaction, which re-renders and rewrites only the changed Services (<see cref="ProxyTableState"/>). The
/// first sync replaces the table whole (stale rules from an earlier run go), later ones are incremental; a failed
/// apply is retried with a full replace. The table is deleted when the node stops cleanly.
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
    private readonly ProxyTableState _state;

    public ServiceProxy(ServiceProxyOptions options, ComponentContext context, IReadOnlyList<IProxyTableContributor>? contributors = null)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        _options = options;
        _context = context;
        _services = context.Informers.Get<V1Service>();
        _slices = context.Informers.Get<V1EndpointSlice>();
        _slices.AddIndexer(SliceByService, s => ProxiedPorts.ServiceKeyOf(s) is { } key ? [key] : []);
        _nft = new NftCommand(options.NetworkNamespace);
        _logger = context.Loggers.CreateLogger("Skiff.Networking.ServiceProxy");
        _contributors = contributors ?? [];
        _state = new ProxyTableState(options.Table, options.PodCidr);
    }

    /// <summary>EndpointSlices by the <c>ns/name</c> of their Service: a full sync of 10,000 Services would otherwise
    /// look at every slice of the namespace for each of them.</summary>
    private const string SliceByService = "proxy.sliceByService";

    /// <summary>Syncs done so far (tests wait on it).</summary>
    public int Syncs { get; private set; }

    public static Task RunAsync(ServiceProxyOptions options, ComponentContext context, CancellationToken cancellationToken) =>
        new ServiceProxy(options, context).RunAsync(cancellationToken);

    /// <summary>The proxy with other components' chains in its table (network policy).</summary>
    public static Task RunAsync(ServiceProxyOptions options, ComponentContext context, IReadOnlyList<IProxyTableContributor> contributors, CancellationToken cancellationToken) =>
        new ServiceProxy(options, context, contributors).RunAsync(cancellationToken);

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // A periodic resync (the same object as old and new) changes nothing.
        using var services = _services.AddEventHandler(new ResourceEventHandler<V1Service>
        {
            Added = (service, _) => ServiceChanged(service),
            Updated = (old, now) =>
            {
                if (!ReferenceEquals(old, now))
                {
                    ServiceChanged(now);
                }
            },
            Deleted = (service, _) => ServiceChanged(service),
        });
        using var slices = _slices.AddEventHandler(new ResourceEventHandler<V1EndpointSlice>
        {
            Added = (slice, _) => SliceChanged(slice),
            Updated = (old, now) =>
            {
                if (!ReferenceEquals(old, now))
                {
                    SliceChanged(old);
                    SliceChanged(now);
                }
            },
            Deleted = (slice, _) => SliceChanged(slice),
        });
        if (_options.NetworkNamespace is null)
        {
            await NodeKernelSettings.EnsureAsync(_options.BridgeName, _logger, cancellationToken);
        }

        _context.Informers.Start(cancellationToken);
        await Task.WhenAll(services.WaitForSyncAsync(cancellationToken), slices.WaitForSyncAsync(cancellationToken));
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

    private void ServiceChanged(V1Service service)
    {
        _state.Changed((service.Metadata?.NamespaceProperty ?? string.Empty) + "/" + service.Metadata?.Name);
        MarkDirty();
    }

    private void SliceChanged(V1EndpointSlice slice)
    {
        if (ProxiedPorts.ServiceKeyOf(slice) is { } key)
        {
            _state.Changed(key);
            MarkDirty();
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
        var wantedBase = ProxyRules.NewTable(_options.Table, _options.PodCidr, _options.ClusterCidr, _options.ServiceCidr);
        foreach (var contributor in _contributors)
        {
            contributor.AddTo(wantedBase);
        }

        var sync = _state.Prepare(PortsOf, wantedBase);
        if (sync.Text.Length == 0)
        {
            return;
        }

        try
        {
            await _nft.ApplyAsync(sync.Text, cancellationToken);
            _state.Applied(sync);
            Syncs++;
            _logger.LogDebug("service proxy synced {Changed} changed services ({Kind}, {Bytes} bytes)", sync.ChangedServices, sync.Full ? "full" : "incremental", sync.Text.Length);
        }
        catch (NftException e)
        {
            // The kernel kept the previous state; the next sync replaces the table whole.
            _state.Failed();
            _logger.LogError(e, "service proxy sync failed; retrying with a full sync");
            MarkDirtyLater(cancellationToken);
        }
    }

    /// <summary>What the caches now say about one Service (<c>ns/name</c>): its proxied ports with their endpoints.</summary>
    private IReadOnlyList<ProxiedPort> PortsOf(string key)
    {
        var slash = key.IndexOf('/', StringComparison.Ordinal);
        var ns = key[..slash];
        var name = key[(slash + 1)..];
        var service = _services.Cache.Get(ns, name);
        if (service is null)
        {
            return [];
        }

        return ProxiedPorts.ForService(service, _slices.Cache.ByIndex(SliceByService, key), _options.NodeName);
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
