using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;

namespace Skiff.Client.Informers;

/// <summary>
/// Lists then watches one kind from the list's resourceVersion, keeps an indexed cache of it and tells every
/// registered handler what changed (client-go's SharedIndexInformer with its Reflector). A watch that ends resumes
/// from the last revision seen; 410 Gone means a fresh list, which is compared with the cache so that handlers hear
/// of each change exactly once (objects that vanished meanwhile as deletes with a final state unknown). A watch that
/// stays silent longer than <see cref="InformerOptions.WatchIdleTimeout"/> (not even a bookmark) is taken for dead
/// and replaced by a fresh list and watch. Watch errors back off exponentially (0.8 s to 30 s). Handlers that ask for
/// a resync period get every cached object again as an update at that period.
/// </summary>
public sealed class SharedInformer<T> : ISharedInformer
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private static readonly TimeSpan InitialBackoff = TimeSpan.FromMilliseconds(800);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromSeconds(30);

    private readonly IApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IndexedCache<T> _cache = new();
    private readonly object _gate = new();
    private readonly List<HandlerProcessor<T>> _handlers = [];
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);
    private CancellationToken _running = CancellationToken.None;
    private bool _started;
    private string _resourceVersion = string.Empty;

    public SharedInformer(IApiClient api, InformerOptions options, TimeProvider time, ILogger logger)
    {
        _api = api;
        Options = options;
        _time = time;
        _logger = logger;
    }

    public InformerOptions Options { get; }

    /// <summary>The cache (lister and indexer). Read-only for consumers.</summary>
    public IReadOnlyCache<T> Cache => _cache;

    /// <summary>True once the first list is in the cache.</summary>
    public bool HasSynced => _synced.Task.IsCompleted;

    /// <summary>The revision of the last list or event applied.</summary>
    public string LastSyncResourceVersion
    {
        get
        {
            lock (_gate)
            {
                return _resourceVersion;
            }
        }
    }

    /// <summary>Numbers of lists made (the first included): a re-list after 410 Gone adds one.</summary>
    public int ListCount { get; private set; }

    /// <summary>Watches given up because they stayed silent past <see cref="InformerOptions.WatchIdleTimeout"/>.</summary>
    public int WatchesGoneSilent { get; private set; }

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    /// <summary>Adds an index; consumers add the indexes they need before reading by them.</summary>
    public void AddIndexer(string name, IndexFunc<T> index) => _cache.AddIndexer(name, index);

    /// <summary>
    /// Registers a handler. Added to a running informer, it first gets every cached object as an add (initial list).
    /// </summary>
    /// <param name="resyncPeriod">When set, every cached object is given again as an update at this period.</param>
    public IHandlerRegistration AddEventHandler(IResourceEventHandler<T> handler, TimeSpan? resyncPeriod = null)
    {
        ArgumentNullException.ThrowIfNull(handler);
        var processor = new HandlerProcessor<T>(handler, resyncPeriod, Remove, _logger);
        lock (_gate)
        {
            _handlers.Add(processor);
            if (HasSynced)
            {
                foreach (var obj in _cache.List())
                {
                    processor.Add(obj, initial: true);
                }

                processor.QueueSyncMarker();
            }

            if (_started)
            {
                StartProcessor(processor);
            }
        }

        return processor;
    }

    /// <summary>Runs until cancelled: lists, watches, re-lists; delivers to handlers.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        lock (_gate)
        {
            if (_started)
            {
                throw new InvalidOperationException($"the informer of {typeof(T).Name} is already running");
            }

            _started = true;
            _running = cancellationToken;
            foreach (var processor in _handlers)
            {
                StartProcessor(processor);
            }
        }

        var backoff = InitialBackoff;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                try
                {
                    var version = await ListAsync(cancellationToken);
                    backoff = InitialBackoff;
                    await WatchAsync(version, cancellationToken);
                }
                catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
                {
                    _logger.LogWarning("listing {Resource} failed: {Error}; retrying in {Delay}", ApiResource.For<T>(), e.Message, backoff);
                    await Task.Delay(Jitter(backoff), _time, cancellationToken);
                    backoff = Next(backoff);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            lock (_gate)
            {
                foreach (var processor in _handlers)
                {
                    processor.Complete();
                }
            }
        }
    }

    private async Task<string> ListAsync(CancellationToken cancellationToken)
    {
        var items = new List<T>();
        string? next = null;
        string version;
        do
        {
            var page = await _api.ListAsync<T>(
                new ListOptions
                {
                    Namespace = Options.Namespace,
                    LabelSelector = Options.LabelSelector,
                    FieldSelector = Options.FieldSelector,
                    Limit = Options.PageSize,
                    Continue = next,
                    DropManagedFields = !Options.KeepManagedFields,
                },
                cancellationToken);
            // Transformed page by page: a process that keeps little of each object (skiff dns) never holds every
            // whole object of a large list at once.
            foreach (var item in page.Items)
            {
                items.Add(Transform(item));
            }

            next = page.Continue;
            version = page.ResourceVersion;
        }
        while (next is not null);

        Replace(items, version);
        return version;
    }

    /// <summary>Watches from <paramref name="version"/> until 410 Gone or a silent watch (then returns, to list
    /// again).</summary>
    private async Task WatchAsync(string version, CancellationToken cancellationToken)
    {
        var backoff = InitialBackoff;
        var idleLimit = Options.WatchIdleTimeout;
        while (!cancellationToken.IsCancellationRequested)
        {
            // Cancelled when nothing arrives for idleLimit; every event or bookmark pushes it back.
            using var silence = new CancellationTokenSource(Timeout.InfiniteTimeSpan, _time);
            using var watching = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, silence.Token);
            void Heard()
            {
                if (idleLimit > TimeSpan.Zero)
                {
                    silence.CancelAfter(idleLimit);
                }
            }

            Heard();
            try
            {
                var options = new WatchOptions
                {
                    Namespace = Options.Namespace,
                    LabelSelector = Options.LabelSelector,
                    FieldSelector = Options.FieldSelector,
                    ResourceVersion = version,
                    AllowBookmarks = true,
                    // As the reflector: a random 5-10 minutes, so that many watches do not all end at once.
                    TimeoutSeconds = 300 + Random.Shared.Next(300),
                    DropManagedFields = !Options.KeepManagedFields,
                };
                await foreach (var e in _api.WatchAsync<T>(options, watching.Token))
                {
                    Heard();
                    Apply(e);
                    if (!string.IsNullOrEmpty(e.ResourceVersion))
                    {
                        version = e.ResourceVersion;
                    }

                    backoff = InitialBackoff;
                }
            }
            catch (ApiException e) when (e.IsGone)
            {
                _logger.LogInformation("watch of {Resource} expired at {Version}: {Error}; listing again", ApiResource.For<T>(), version, e.Message);
                return;
            }
            catch (OperationCanceledException) when (silence.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
            {
                WatchesGoneSilent++;
                _logger.LogWarning("watch of {Resource} heard nothing for {Limit} at {Version}; listing again", ApiResource.For<T>(), idleLimit, version);
                return;
            }
            catch (Exception e) when (e is not OperationCanceledException || !cancellationToken.IsCancellationRequested)
            {
                _logger.LogWarning("watch of {Resource} failed at {Version}: {Error}; resuming in {Delay}", ApiResource.For<T>(), version, e.Message, backoff);
                await Task.Delay(Jitter(backoff), _time, cancellationToken);
                backoff = Next(backoff);
            }
        }
    }

    private void Apply(WatchEvent<T> e)
    {
        lock (_gate)
        {
            if (!string.IsNullOrEmpty(e.ResourceVersion))
            {
                _resourceVersion = e.ResourceVersion;
            }

            if (e.Object is null)
            {
                return; // bookmark
            }

            var obj = Transform(e.Object);
            var key = ObjectKeys.Of(obj);
            var cached = _cache.GetByKey(key);
            switch (e.Kind)
            {
                case WatchEventKind.Added or WatchEventKind.Modified:
                    if (cached is not null && cached.Metadata.ResourceVersion == obj.Metadata.ResourceVersion && cached.Metadata.Uid == obj.Metadata.Uid)
                    {
                        return; // already seen (a watch resumed over an event the cache holds)
                    }

                    _cache.Upsert(obj);
                    foreach (var h in _handlers)
                    {
                        if (cached is null)
                        {
                            h.Add(obj, initial: false);
                        }
                        else
                        {
                            h.Update(cached, obj);
                        }
                    }

                    break;
                case WatchEventKind.Deleted:
                    if (cached is null)
                    {
                        return;
                    }

                    _cache.Remove(key);
                    foreach (var h in _handlers)
                    {
                        h.Delete(obj, finalStateUnknown: false);
                    }

                    break;
            }
        }
    }

    /// <summary>Makes the cache equal to a fresh list (of objects already transformed), telling handlers only what
    /// differs.</summary>
    private void Replace(List<T> items, string version)
    {
        lock (_gate)
        {
            ListCount++;
            var initial = !HasSynced;
            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var obj in items)
            {
                var key = ObjectKeys.Of(obj);
                seen.Add(key);
                var cached = _cache.GetByKey(key);
                if (cached is not null && cached.Metadata.ResourceVersion == obj.Metadata.ResourceVersion && cached.Metadata.Uid == obj.Metadata.Uid)
                {
                    continue;
                }

                _cache.Upsert(obj);
                foreach (var h in _handlers)
                {
                    if (cached is null)
                    {
                        h.Add(obj, initial);
                    }
                    else if (cached.Metadata.Uid != obj.Metadata.Uid)
                    {
                        // Deleted and created again under the same name while we were not watching.
                        h.Delete(cached, finalStateUnknown: true);
                        h.Add(obj, initial);
                    }
                    else
                    {
                        h.Update(cached, obj);
                    }
                }
            }

            foreach (var key in _cache.Keys())
            {
                if (!seen.Contains(key) && _cache.Remove(key) is { } gone)
                {
                    foreach (var h in _handlers)
                    {
                        h.Delete(gone, finalStateUnknown: true);
                    }
                }
            }

            _resourceVersion = version;
            foreach (var h in _handlers.Where(h => !h.SyncMarkerQueued))
            {
                h.QueueSyncMarker();
            }

            _synced.TrySetResult();
        }
    }

    // The API client skips managedFields while decoding already; this covers clients that do not (the fake).
    private T Transform(T obj)
    {
        if (!Options.KeepManagedFields && obj.Metadata is not null)
        {
            obj.Metadata.ManagedFields = null;
        }

        return Options.Transform is { } transform ? (T)transform(obj) : obj;
    }

    private void StartProcessor(HandlerProcessor<T> processor)
    {
        var token = _running;
        _ = Task.Run(() => processor.RunAsync(token), CancellationToken.None);
        if (processor.ResyncPeriod is { } period && period > TimeSpan.Zero)
        {
            _ = Task.Run(() => ResyncAsync(processor, period, token), CancellationToken.None);
        }
    }

    private async Task ResyncAsync(HandlerProcessor<T> processor, TimeSpan period, CancellationToken cancellationToken)
    {
        try
        {
            using var timer = new PeriodicTimer(period, _time);
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                lock (_gate)
                {
                    if (!_handlers.Contains(processor))
                    {
                        return;
                    }

                    foreach (var obj in _cache.List())
                    {
                        processor.Update(obj, obj);
                    }
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private void Remove(HandlerProcessor<T> processor)
    {
        lock (_gate)
        {
            _handlers.Remove(processor);
        }
    }

    private static TimeSpan Next(TimeSpan backoff) => TimeSpan.FromTicks(Math.Min(backoff.Ticks * 2, MaxBackoff.Ticks));

    private static TimeSpan Jitter(TimeSpan delay) => delay * (1 + (Random.Shared.NextDouble() * 0.2));
}

/// <summary>What the factory needs of an informer whatever its type.</summary>
public interface ISharedInformer
{
    bool HasSynced { get; }

    Task RunAsync(CancellationToken cancellationToken);

    Task WaitForSyncAsync(CancellationToken cancellationToken);
}
