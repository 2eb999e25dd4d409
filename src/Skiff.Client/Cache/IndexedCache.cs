using k8s;
using k8s.Models;
using Skiff.Api.Selection;

namespace Skiff.Client.Cache;

/// <summary>
/// A thread-safe store of objects by key with secondary indexes (client-go's threadSafeStore). Written by one
/// informer, read by any number of consumers; reads take a snapshot under a reader lock.
/// </summary>
public sealed class IndexedCache<T> : IReadOnlyCache<T>
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private readonly ReaderWriterLockSlim _lock = new(LockRecursionPolicy.NoRecursion);
    private readonly Dictionary<string, T> _items = new(StringComparer.Ordinal);
    private readonly Dictionary<string, IndexFunc<T>> _indexers = new(StringComparer.Ordinal);
    private readonly Dictionary<string, Dictionary<string, object>> _indices = new(StringComparer.Ordinal);

    public IndexedCache()
    {
        AddIndexer(Indexers.Namespace, o => Indexers.ByNamespace(o));
        AddIndexer(Indexers.Owner, o => Indexers.ByOwner(o));
    }

    public int Count
    {
        get
        {
            _lock.EnterReadLock();
            try
            {
                return _items.Count;
            }
            finally
            {
                _lock.ExitReadLock();
            }
        }
    }

    /// <summary>Adds an index (also over the objects already held). A second indexer of the same name is ignored,
    /// so that several consumers of one shared informer may each ask for the index they need.</summary>
    public void AddIndexer(string name, IndexFunc<T> index)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_indexers.TryAdd(name, index))
            {
                return;
            }

            var values = new Dictionary<string, object>(StringComparer.Ordinal);
            _indices[name] = values;
            foreach (var (key, obj) in _items)
            {
                foreach (var value in index(obj))
                {
                    IndexBuckets.Add(values, value, key);
                }
            }
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Stores <paramref name="obj"/> under its key; returns the object it replaced, if any.</summary>
    public T? Upsert(T obj)
    {
        var key = ObjectKeys.Of(obj);
        _lock.EnterWriteLock();
        try
        {
            _items.TryGetValue(key, out var old);
            if (old is not null)
            {
                Unindex(key, old);
            }

            _items[key] = obj;
            Index(key, obj);
            return old;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    /// <summary>Removes the object with <paramref name="key"/>; returns it, or null when absent.</summary>
    public T? Remove(string key)
    {
        _lock.EnterWriteLock();
        try
        {
            if (!_items.Remove(key, out var old))
            {
                return null;
            }

            Unindex(key, old);
            return old;
        }
        finally
        {
            _lock.ExitWriteLock();
        }
    }

    public T? GetByKey(string key)
    {
        _lock.EnterReadLock();
        try
        {
            return _items.GetValueOrDefault(key);
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public T? Get(string? ns, string name) => GetByKey(ObjectKeys.Of(ns, name));

    public IReadOnlyList<T> List()
    {
        _lock.EnterReadLock();
        try
        {
            return [.. _items.Values];
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public IReadOnlyList<T> List(string? ns, LabelSelector? selector = null)
    {
        var candidates = string.IsNullOrEmpty(ns) ? List() : ByIndex(Indexers.Namespace, ns);
        return selector is null || selector.IsEverything
            ? candidates
            : candidates.Where(o => selector.Matches(o.Metadata?.Labels)).ToList();
    }

    public IReadOnlyList<T> ByIndex(string indexName, string value)
    {
        _lock.EnterReadLock();
        try
        {
            if (!_indices.TryGetValue(indexName, out var values))
            {
                throw new ArgumentException($"no index named '{indexName}'; add it with AddIndexer", nameof(indexName));
            }

            if (!values.TryGetValue(value, out var bucket))
            {
                return [];
            }

            if (bucket is string single)
            {
                return [_items[single]];
            }

            var keys = (HashSet<string>)bucket;
            var objects = new List<T>(keys.Count);
            foreach (var key in keys)
            {
                objects.Add(_items[key]);
            }

            return objects;
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    public IReadOnlyList<string> Keys()
    {
        _lock.EnterReadLock();
        try
        {
            return [.. _items.Keys];
        }
        finally
        {
            _lock.ExitReadLock();
        }
    }

    private void Index(string key, T obj)
    {
        foreach (var (name, index) in _indexers)
        {
            foreach (var value in index(obj))
            {
                IndexBuckets.Add(_indices[name], value, key);
            }
        }
    }

    private void Unindex(string key, T obj)
    {
        foreach (var (name, index) in _indexers)
        {
            var values = _indices[name];
            foreach (var value in index(obj))
            {
                IndexBuckets.Remove(values, value, key);
            }
        }
    }
}
