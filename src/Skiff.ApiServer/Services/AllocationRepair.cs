using Microsoft.Extensions.Logging;
using Skiff.Storage;

namespace Skiff.ApiServer.Services;

/// <summary>
/// Upstream's ipallocator and portallocator repair controllers: rebuilds a stored bitmap from the Services, so a
/// lost release (a crash between a write and its release, a failed delete hook) or a changed range is healed. An
/// offset the bitmap holds but no Service uses is only freed after <see cref="LeakStrikes"/> runs in a row, because
/// it may belong to a create that is still in flight.
/// </summary>
public sealed class AllocationRepair
{
    /// <summary>Runs in a row an unused offset must be seen before it is released (upstream's numRepairsBeforeLeakCleanup).</summary>
    public const int LeakStrikes = 3;

    private readonly IStore _store;
    private readonly string _servicesPrefix;
    private readonly StoredRangeAllocator _allocator;
    private readonly Func<k8s.Models.V1Service, IEnumerable<int>> _offsetsOf;
    private readonly ILogger _logger;
    private readonly Dictionary<int, int> _leaks = [];

    public AllocationRepair(IStore store, string servicesPrefix, StoredRangeAllocator allocator, Func<k8s.Models.V1Service, IEnumerable<int>> offsetsOf, ILogger logger)
    {
        _store = store;
        _servicesPrefix = servicesPrefix;
        _allocator = allocator;
        _offsetsOf = offsetsOf;
        _logger = logger;
    }

    /// <summary>One repair pass; retried while another writer changes the bitmap under it.</summary>
    public async Task RunOnceAsync(CancellationToken ct)
    {
        for (var attempt = 0; ; attempt++)
        {
            // The bitmap is read before the services: an allocation after this read makes the write below conflict.
            var (stored, revision, storedRange) = await _allocator.SnapshotAsync(ct);
            var services = await _store.ListAsync(_servicesPrefix, new ListOptions(), ct);
            var rebuilt = new AllocationBitmap(_allocator.Size, _allocator.StaticBandSize);
            foreach (var kv in services.Items)
            {
                var service = ModelJson.Deserialize<k8s.Models.V1Service>(kv.Value.Span);
                foreach (var offset in _offsetsOf(service))
                {
                    if (!rebuilt.Allocate(offset))
                    {
                        _logger.LogWarning("{Key}: offset {Offset} is used by more than one service (second: {Service})", _allocator.Key, offset, kv.Key);
                    }
                }
            }

            var inUse = rebuilt.Allocated().ToHashSet();
            foreach (var offset in _leaks.Keys.Where(o => inUse.Contains(o) || !stored.Has(o)).ToList())
            {
                _leaks.Remove(offset);
            }

            foreach (var offset in stored.Allocated().Where(o => !inUse.Contains(o)))
            {
                var strikes = _leaks.GetValueOrDefault(offset) + 1;
                if (strikes < LeakStrikes)
                {
                    _leaks[offset] = strikes;
                    rebuilt.Allocate(offset);
                }
                else
                {
                    _leaks.Remove(offset);
                    _logger.LogInformation("{Key}: released leaked offset {Offset}", _allocator.Key, offset);
                }
            }

            if (revision != 0 && storedRange == _allocator.Range && rebuilt.ToBytes().AsSpan().SequenceEqual(stored.ToBytes()))
            {
                return;
            }

            if (await _allocator.TryReplaceAsync(rebuilt, revision, ct) || attempt >= 16)
            {
                return;
            }
        }
    }

    /// <summary>Repairs every <paramref name="interval"/> until cancelled (upstream: every 3 minutes).</summary>
    public async Task RunAsync(TimeSpan interval, TimeProvider time, CancellationToken ct)
    {
        using var timer = new PeriodicTimer(interval, time);
        try
        {
            while (await timer.WaitForNextTickAsync(ct))
            {
                try
                {
                    await RunOnceAsync(ct);
                }
                catch (StorageException e)
                {
                    _logger.LogWarning("{Key}: repair failed: {Message}", _allocator.Key, e.Message);
                }
            }
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }
}
