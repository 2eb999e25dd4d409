using System.Collections.Concurrent;

namespace Skiff.Kubelet.Server.Auth;

/// <summary>A small time-to-live cache (entries expire on the injected clock); when it grows past its bound the
/// expired entries go, and if that is not enough, all of them (a cache miss only costs one review).</summary>
internal sealed class ExpiringCache<TValue>(TimeProvider time, int capacity = 4096)
{
    private readonly ConcurrentDictionary<string, (TValue Value, DateTimeOffset Expires)> _entries = new(StringComparer.Ordinal);

    public bool TryGet(string key, out TValue value)
    {
        if (_entries.TryGetValue(key, out var entry) && entry.Expires > time.GetUtcNow())
        {
            value = entry.Value;
            return true;
        }

        value = default!;
        return false;
    }

    public void Set(string key, TValue value, TimeSpan ttl)
    {
        var now = time.GetUtcNow();
        if (_entries.Count >= capacity)
        {
            foreach (var (k, e) in _entries)
            {
                if (e.Expires <= now)
                {
                    _entries.TryRemove(k, out _);
                }
            }

            if (_entries.Count >= capacity)
            {
                _entries.Clear();
            }
        }

        _entries[key] = (value, now + ttl);
    }
}
