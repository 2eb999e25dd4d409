using k8s.Models;
using Skiff.Client.Cache;
using Skiff.Client.Informers;

namespace Skiff.Networking.Dns;

/// <summary>What cluster DNS answers from: the Service and EndpointSlice caches (indexed by <see cref="DnsIndexes"/>)
/// and whether they have synced (until then a name that is not found is SERVFAIL, not NXDOMAIN, as in CoreDNS).</summary>
public sealed class ClusterDnsData
{
    private readonly Func<bool> _hasSynced;

    public ClusterDnsData(IReadOnlyCache<V1Service> services, IReadOnlyCache<V1EndpointSlice> slices, Func<bool> hasSynced)
    {
        Services = services;
        Slices = slices;
        _hasSynced = hasSynced;
    }

    public IReadOnlyCache<V1Service> Services { get; }

    public IReadOnlyCache<V1EndpointSlice> Slices { get; }

    public bool HasSynced => _hasSynced();

    /// <summary>The data over the process's shared informers (of <paramref name="options"/>, the default ones when
    /// null), with the indexes added.</summary>
    public static ClusterDnsData FromInformers(SharedInformerFactory informers, InformerOptions? options = null)
    {
        ArgumentNullException.ThrowIfNull(informers);
        var services = informers.Get<V1Service>(options);
        var slices = informers.Get<V1EndpointSlice>(options);
        services.AddIndexer(DnsIndexes.ServiceByClusterIp, DnsIndexes.ClusterIps);
        slices.AddIndexer(DnsIndexes.SliceByService, DnsIndexes.ServiceOf);
        slices.AddIndexer(DnsIndexes.SliceByAddress, DnsIndexes.Addresses);
        return new ClusterDnsData(services.Cache, slices.Cache, () => services.HasSynced && slices.HasSynced);
    }

    /// <summary>Caches with the indexes, for tests and benchmarks that fill them directly.</summary>
    public static (ClusterDnsData Data, IndexedCache<V1Service> Services, IndexedCache<V1EndpointSlice> Slices) InMemory()
    {
        var services = new IndexedCache<V1Service>();
        var slices = new IndexedCache<V1EndpointSlice>();
        services.AddIndexer(DnsIndexes.ServiceByClusterIp, DnsIndexes.ClusterIps);
        slices.AddIndexer(DnsIndexes.SliceByService, DnsIndexes.ServiceOf);
        slices.AddIndexer(DnsIndexes.SliceByAddress, DnsIndexes.Addresses);
        return (new ClusterDnsData(services, slices, () => true), services, slices);
    }
}
