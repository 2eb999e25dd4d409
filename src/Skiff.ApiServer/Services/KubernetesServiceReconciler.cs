using System.Globalization;
using System.Net;
using System.Text.Json;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;
using Skiff.Storage;

namespace Skiff.ApiServer.Services;

/// <summary>
/// The <c>kubernetes</c> Service in <c>default</c> at the range's first address, and its Endpoints and EndpointSlice
/// listing every live API server (upstream's lease endpoint reconciler): each server keeps a lease under
/// <c>/registry/masterleases/</c> renewed every <see cref="RenewInterval"/>; leases not renewed within
/// <see cref="LeaseTtl"/> are dropped, and a server that stops removes its own.
/// </summary>
public sealed class KubernetesServiceReconciler
{
    public static readonly TimeSpan RenewInterval = TimeSpan.FromSeconds(10);
    public static readonly TimeSpan LeaseTtl = TimeSpan.FromSeconds(15);
    private const string LeasePrefix = "/registry/masterleases/";
    private readonly GenericRegistry _registry;
    private readonly IStore _store;
    private readonly ServiceIpRange _range;
    private readonly IPAddress _address;
    private readonly int _port;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    public KubernetesServiceReconciler(GenericRegistry registry, IStore store, ServiceIpRange range, IPAddress address, int port, TimeProvider time, ILogger logger)
    {
        _registry = registry;
        _store = store;
        _range = range;
        _address = address;
        _port = port;
        _time = time;
        _logger = logger;
    }

    private string LeaseKey => string.Create(CultureInfo.InvariantCulture, $"{LeasePrefix}{_address}:{_port}");

    public async Task RunAsync(CancellationToken ct)
    {
        using var timer = new PeriodicTimer(RenewInterval, _time);
        do
        {
            try
            {
                await ReconcileAsync(ct);
            }
            catch (Exception e) when (e is StorageException or ApiException)
            {
                _logger.LogWarning("kubernetes service endpoints: {Message}", e.Message);
            }
        }
        while (await timer.WaitForNextTickAsync(ct));
    }

    /// <summary>Ensures the Service, renews this server's lease and writes the endpoints of the live leases.</summary>
    public async Task ReconcileAsync(CancellationToken ct)
    {
        await EnsureServiceAsync(ct);
        await WriteLeaseAsync(ct);
        await WriteEndpointsAsync(await LiveLeasesAsync(ct), ct);
    }

    /// <summary>Removes this server's lease and its address from the endpoints (a clean stop).</summary>
    public async Task RemoveSelfAsync(CancellationToken ct)
    {
        try
        {
            await _store.DeleteAsync(LeaseKey, null, ct);
        }
        catch (StorageException e) when (e.Code == StorageErrorCode.NotFound)
        {
        }

        await WriteEndpointsAsync(await LiveLeasesAsync(ct), ct);
    }

    private async Task EnsureServiceAsync(CancellationToken ct)
    {
        var def = _registry.Index.FindKind(string.Empty, "Service")!;
        var service = new V1Service
        {
            ApiVersion = "v1",
            Kind = "Service",
            Metadata = new V1ObjectMeta { Name = "kubernetes", Labels = new Dictionary<string, string> { ["component"] = "apiserver", ["provider"] = "kubernetes" } },
            Spec = new V1ServiceSpec
            {
                Type = "ClusterIP",
                ClusterIP = _range.At(0).ToString(),
                SessionAffinity = "None",
                Ports = [new V1ServicePort { Name = "https", Port = 443, Protocol = "TCP", TargetPort = _port }],
            },
        };
        try
        {
            await _registry.GetAsync(def, "default", "kubernetes", resourceVersion: null, ct);
        }
        catch (ApiException e) when (e.Status.Code == 404)
        {
            try
            {
                await _registry.CreateAsync(def, "default", service, dryRun: false, ct);
            }
            catch (ApiException raced) when (raced.Status.Code is 409 or 422)
            {
                // Another API server created it first (or holds the address for it).
            }
        }
    }

    private async Task WriteLeaseAsync(CancellationToken ct)
    {
        var expires = _time.GetUtcNow().Add(LeaseTtl).ToUnixTimeMilliseconds();
        var bytes = JsonSerializer.SerializeToUtf8Bytes(new MasterLease(_address.ToString(), _port, expires));
        var current = await _store.GetAsync(LeaseKey, ct);
        try
        {
            if (current is null)
            {
                await _store.CreateAsync(LeaseKey, bytes, ct);
            }
            else
            {
                await _store.UpdateAsync(LeaseKey, bytes, current.ModRevision, ct);
            }
        }
        catch (StorageException e) when (e.Code is StorageErrorCode.Conflict or StorageErrorCode.KeyExists)
        {
        }
    }

    private async Task<List<MasterLease>> LiveLeasesAsync(CancellationToken ct)
    {
        var now = _time.GetUtcNow().ToUnixTimeMilliseconds();
        var live = new List<MasterLease>();
        foreach (var kv in (await _store.ListAsync(LeasePrefix, new ListOptions(), ct)).Items)
        {
            var lease = JsonSerializer.Deserialize<MasterLease>(kv.Value.Span);
            if (lease is not null && lease.ExpiresUnixMilliseconds > now)
            {
                live.Add(lease);
                continue;
            }

            try
            {
                await _store.DeleteAsync(kv.Key, kv.ModRevision, ct);
            }
            catch (StorageException e) when (e.Code is StorageErrorCode.Conflict or StorageErrorCode.NotFound)
            {
            }
        }

        return live;
    }

    private async Task WriteEndpointsAsync(List<MasterLease> leases, CancellationToken ct)
    {
        var byPort = leases.GroupBy(l => l.Port).OrderBy(g => g.Key).ToList();
        var endpoints = new V1Endpoints
        {
            ApiVersion = "v1",
            Kind = "Endpoints",
            Metadata = new V1ObjectMeta { Name = "kubernetes", Labels = new Dictionary<string, string> { ["endpointslice.kubernetes.io/skip-mirror"] = "true" } },
            Subsets = byPort.Count == 0 ? null : byPort.Select(g => new V1EndpointSubset
            {
                Addresses = g.Select(l => l.Ip).Order(StringComparer.Ordinal).Select(ip => new V1EndpointAddress { Ip = ip }).ToList(),
                Ports = [new Corev1EndpointPort { Name = "https", Port = g.Key, Protocol = "TCP" }],
            }).ToList(),
        };
        var first = byPort.FirstOrDefault();
        var slice = new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = "EndpointSlice",
            Metadata = new V1ObjectMeta { Name = "kubernetes", Labels = new Dictionary<string, string> { ["kubernetes.io/service-name"] = "kubernetes" } },
            AddressType = "IPv4",
            Endpoints = first is null ? null : first.Select(l => l.Ip).Order(StringComparer.Ordinal)
                .Select(ip => new V1Endpoint { Addresses = [ip], Conditions = new V1EndpointConditions { Ready = true } }).ToList(),
            Ports = first is null ? null : [new Discoveryv1EndpointPort { Name = "https", Port = first.Key, Protocol = "TCP" }],
        };
        await PutAsync(_registry.Index.FindKind(string.Empty, "Endpoints"), endpoints, ct);
        await PutAsync(_registry.Index.FindKind("discovery.k8s.io", "EndpointSlice"), slice, ct);
    }

    /// <summary>Creates or replaces an object unless it already says the same (no write, no watch event).</summary>
    private async Task PutAsync(Apimachinery.ResourceDefinition? def, k8s.IKubernetesObject<V1ObjectMeta> desired, CancellationToken ct)
    {
        if (def is null)
        {
            return;
        }

        var name = desired.Metadata.Name;
        try
        {
            await _registry.GuaranteedUpdateAsync(def, "default", name, retryOnConflict: true, dryRun: false, (current, _) =>
            {
                var replacement = ModelJson.Deserialize(ModelJson.Serialize(desired), def.ModelType);
                replacement.Metadata = current.Metadata;
                replacement.Metadata.Labels = desired.Metadata.Labels;
                return _registry.PrepareUpdate(def, replacement, current, status: false);
            }, ct);
        }
        catch (ApiException e) when (e.Status.Code == 404)
        {
            try
            {
                await _registry.CreateAsync(def, "default", ModelJson.Deserialize(ModelJson.Serialize(desired), def.ModelType), dryRun: false, ct);
            }
            catch (ApiException raced) when (raced.Status.Code == 409)
            {
            }
        }
    }

    private sealed record MasterLease(string Ip, int Port, long ExpiresUnixMilliseconds);
}
