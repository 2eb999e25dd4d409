using System.Diagnostics;
using Skiff.Apimachinery;
using Skiff.Storage;

namespace Skiff.ApiServer.Observability;

/// <summary>
/// The store as the API server sees it, timing every call into <c>etcd_request_duration_seconds{operation,type}</c>
/// (type = the resource whose storage prefix the key is under). Watches are streams and are not timed. The inner
/// store stays owned by whoever opened it, so disposing this does not close it.
/// </summary>
public sealed class InstrumentedStore : IStore
{
    private readonly IStore _inner;
    private readonly ApiServerMetrics _metrics;
    private readonly (string Prefix, string Type)[] _types;

    public InstrumentedStore(IStore inner, ApiServerMetrics metrics, IEnumerable<ResourceDefinition> resources)
    {
        _inner = inner;
        _metrics = metrics;
        _types = resources
            .Where(r => r.StoragePrefix.Length > 0)
            .Select(r => (r.StoragePrefix, string.IsNullOrEmpty(r.Group) ? r.Plural : r.Plural + "." + r.Group))
            .OrderByDescending(t => t.StoragePrefix.Length)
            .ToArray();
    }

    public Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken) =>
        TimeAsync("get_revision", string.Empty, () => _inner.GetCurrentRevisionAsync(cancellationToken));

    public Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken) =>
        TimeAsync("get_compacted_revision", string.Empty, () => _inner.GetCompactedRevisionAsync(cancellationToken));

    public Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken) =>
        TimeAsync("get", key, () => _inner.GetAsync(key, cancellationToken));

    public Task<ListResult> ListAsync(string prefix, ListOptions options, CancellationToken cancellationToken) =>
        TimeAsync("list", prefix, () => _inner.ListAsync(prefix, options, cancellationToken));

    public Task<long> CountAsync(string prefix, CancellationToken cancellationToken) =>
        TimeAsync("count", prefix, () => _inner.CountAsync(prefix, cancellationToken));

    public Task<KeyValue> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken) =>
        TimeAsync("create", key, () => _inner.CreateAsync(key, value, cancellationToken));

    public Task<KeyValue> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken) =>
        TimeAsync("update", key, () => _inner.UpdateAsync(key, value, expectedModRevision, cancellationToken));

    public Task<KeyValue> DeleteAsync(string key, long? expectedModRevision, CancellationToken cancellationToken) =>
        TimeAsync("delete", key, () => _inner.DeleteAsync(key, expectedModRevision, cancellationToken));

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken) =>
        _inner.WatchAsync(prefix, afterRevision, cancellationToken);

    public Task CompactAsync(long revision, CancellationToken cancellationToken) =>
        TimeAsync("compact", string.Empty, async () =>
        {
            await _inner.CompactAsync(revision, cancellationToken);
            return true;
        });

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    /// <summary>The resource a key belongs to, e.g. <c>pods</c> or <c>deployments.apps</c>; empty when none.</summary>
    public string TypeOf(string key)
    {
        foreach (var (prefix, type) in _types)
        {
            if (key.StartsWith(prefix, StringComparison.Ordinal))
            {
                return type;
            }
        }

        return string.Empty;
    }

    private async Task<T> TimeAsync<T>(string operation, string key, Func<Task<T>> call)
    {
        var start = Stopwatch.GetTimestamp();
        try
        {
            return await call();
        }
        finally
        {
            _metrics.ObserveStorage(operation, key.Length == 0 ? string.Empty : TypeOf(key), Stopwatch.GetElapsedTime(start));
        }
    }
}
