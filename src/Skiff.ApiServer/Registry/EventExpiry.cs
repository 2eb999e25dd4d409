using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Apimachinery;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// Deletes events an hour (kube-apiserver's <c>--event-ttl</c>) after their last write, as etcd's lease on each event
/// key does for kube-apiserver. The last write is read from the event itself (the newest of lastTimestamp,
/// eventTime, series.lastObservedTime and creationTimestamp: writers move them on every count), so the expiry
/// survives restarts and is the same on every server of an HA pair; each event is decoded once per change.
/// </summary>
public sealed class EventExpiry : IAsyncDisposable
{
    private readonly GenericRegistry _registry;
    private readonly ResourceDefinition? _events;
    private readonly TimeSpan _ttl;
    private readonly TimeSpan _interval;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Dictionary<string, (long Revision, DateTimeOffset LastWrite)> _seen = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public EventExpiry(GenericRegistry registry, TimeSpan ttl, TimeSpan interval, TimeProvider time, ILogger logger)
    {
        _registry = registry;
        _events = registry.Index.FindKind(string.Empty, "Event");
        _ttl = ttl;
        _interval = interval;
        _time = time;
        _logger = logger;
    }

    public void Start()
    {
        if (_events is not null && _ttl > TimeSpan.Zero)
        {
            _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
        }
    }

    /// <summary>One pass: deletes the events whose last write is older than the TTL; returns how many.</summary>
    public async Task<int> ExpireAsync(CancellationToken cancellationToken)
    {
        if (_events is null)
        {
            return 0;
        }

        var now = _time.GetUtcNow();
        var present = new HashSet<string>(StringComparer.Ordinal);
        var expired = 0;
        foreach (var obj in _registry.Hub.For(_events).Snapshot(_events.StoragePrefix, _ => true))
        {
            present.Add(obj.Key);
            if (!_seen.TryGetValue(obj.Key, out var seen) || seen.Revision != obj.ModRevision)
            {
                seen = (obj.ModRevision, LastWrite((Corev1Event)obj.Decode()));
                _seen[obj.Key] = seen;
            }

            if (seen.LastWrite + _ttl > now)
            {
                continue;
            }

            try
            {
                await _registry.DeleteAsync(_events, obj.Namespace, obj.Name, new V1DeleteOptions(), cancellationToken);
                expired++;
            }
            catch (ApiException e) when (e.Code is 404 or 409)
            {
                // Deleted meanwhile (by its writer or another server).
            }
        }

        foreach (var key in _seen.Keys.Where(k => !present.Contains(k)).ToList())
        {
            _seen.Remove(key);
        }

        return expired;
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
    }

    private static DateTimeOffset LastWrite(Corev1Event e)
    {
        var candidates = new DateTime?[] { e.LastTimestamp, e.EventTime, e.Series?.LastObservedTime, e.Metadata?.CreationTimestamp, e.FirstTimestamp };
        var newest = candidates.Where(t => t.HasValue).Select(t => t!.Value).DefaultIfEmpty(DateTime.MinValue).Max();
        return new DateTimeOffset(DateTime.SpecifyKind(newest, DateTimeKind.Utc));
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval, _time);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                var expired = await ExpireAsync(cancellationToken);
                if (expired > 0)
                {
                    _logger.LogDebug("expired {Count} events older than {Ttl}", expired, _ttl);
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                _logger.LogWarning(e, "event expiry pass failed");
            }
        }
    }
}
