using System.Globalization;
using k8s.Models;
using Skiff.Client.Api;
using Skiff.Client.Cache;

namespace Skiff.Networking.EndpointSlices;

/// <summary>
/// Applies a <see cref="SlicePlan"/> and remembers what it wrote until the informer's cache shows it (upstream's
/// endpointSliceTracker): a sync that runs on a cache still missing our own last writes would create the same
/// slices twice, so such a sync waits for the cache instead.
/// </summary>
internal sealed class SliceWriter(IApiClient api, IReadOnlyCache<V1EndpointSlice> cache)
{
    // service key -> slice name -> the resourceVersion we wrote (null: we deleted it).
    private readonly Dictionary<string, Dictionary<string, string?>> _expected = new(StringComparer.Ordinal);

    /// <summary>True when the cache holds every write made for <paramref name="serviceKey"/> (forgets them then).</summary>
    public bool CacheIsCurrent(string serviceKey, string ns)
    {
        lock (_expected)
        {
            if (!_expected.TryGetValue(serviceKey, out var writes))
            {
                return true;
            }

            foreach (var (name, version) in writes)
            {
                var cached = cache.Get(ns, name);
                var seen = version is null ? cached is null : cached is not null && !IsOlder(cached.Metadata.ResourceVersion, version);
                if (!seen)
                {
                    return false;
                }
            }

            _expected.Remove(serviceKey);
            return true;
        }
    }

    public async Task ApplyAsync(string serviceKey, SlicePlan plan, CancellationToken cancellationToken)
    {
        foreach (var slice in plan.Delete)
        {
            try
            {
                await api.DeleteAsync<V1EndpointSlice>(slice.Metadata.NamespaceProperty, slice.Metadata.Name, null, cancellationToken);
            }
            catch (ApiException e) when (e.IsNotFound)
            {
            }

            Expect(serviceKey, slice.Metadata.Name, null);
        }

        foreach (var slice in plan.Update)
        {
            var written = await api.UpdateAsync(slice, cancellationToken);
            Expect(serviceKey, written.Metadata.Name, written.Metadata.ResourceVersion);
        }

        foreach (var slice in plan.Create)
        {
            var written = await api.CreateAsync(slice, cancellationToken);
            Expect(serviceKey, written.Metadata.Name, written.Metadata.ResourceVersion);
        }
    }

    private void Expect(string serviceKey, string name, string? version)
    {
        lock (_expected)
        {
            if (!_expected.TryGetValue(serviceKey, out var writes))
            {
                writes = new Dictionary<string, string?>(StringComparer.Ordinal);
                _expected[serviceKey] = writes;
            }

            writes[name] = version;
        }
    }

    /// <summary>Revisions are decimal numbers on Skiff's stores (as on etcd); anything else compares as "not older".</summary>
    private static bool IsOlder(string? cached, string wanted) =>
        long.TryParse(cached, NumberStyles.None, CultureInfo.InvariantCulture, out var a)
        && long.TryParse(wanted, NumberStyles.None, CultureInfo.InvariantCulture, out var b)
            ? a < b
            : cached != wanted && string.IsNullOrEmpty(cached);
}
