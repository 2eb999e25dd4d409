using System.Net;
using System.Net.NetworkInformation;
using System.Net.Sockets;
using Microsoft.Extensions.Logging;
using Skiff.ApiServer.Registry;
using Skiff.Storage;

namespace Skiff.ApiServer.Services;

/// <summary>
/// The API server's part of Services: the cluster IP and node port allocators (hooked into Service writes), their
/// repair loops, and the <c>kubernetes</c> Service with this server in its endpoints.
/// </summary>
public sealed class ServiceNetworking : IAsyncDisposable
{
    public const string ServiceIpsKey = "/registry/ranges/serviceips";
    public const string NodePortsKey = "/registry/ranges/servicenodeports";
    private static readonly TimeSpan RepairInterval = TimeSpan.FromMinutes(3);
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _loops = [];
    private KubernetesServiceReconciler? _kubernetes;

    private ServiceNetworking(ServiceAllocations allocations, AllocationRepair ipRepair, AllocationRepair portRepair)
    {
        Allocations = allocations;
        IpRepair = ipRepair;
        PortRepair = portRepair;
    }

    public ServiceAllocations Allocations { get; }

    public AllocationRepair IpRepair { get; }

    public AllocationRepair PortRepair { get; }

    /// <summary>Builds the allocators over <paramref name="store"/>, hooks them into Service writes and repairs the
    /// stored bitmaps from the Services once before the server serves.</summary>
    public static async Task<ServiceNetworking> StartAsync(
        ServiceIpRange ipRange, NodePortRange portRange, GenericRegistry registry, IStore store, TimeProvider time, ILogger logger, CancellationToken ct)
    {
        var services = registry.Index.FindKind(string.Empty, "Service") ?? throw new InvalidOperationException("the catalog has no Service resource");
        var ips = new StoredRangeAllocator(store, ServiceIpsKey, ipRange.ToString(), ipRange.Size, ipRange.StaticBandSize);
        var ports = new StoredRangeAllocator(store, NodePortsKey, portRange.ToString(), portRange.Size, portRange.StaticBandSize);
        var allocations = new ServiceAllocations(ipRange, ips, portRange, ports);
        var ipRepair = new AllocationRepair(store, services.StoragePrefix, ips, s => allocations.ClusterIpOffset(s) is { } o ? [o] : [], logger);
        var portRepair = new AllocationRepair(store, services.StoragePrefix, ports, allocations.NodePorts, logger);
        await ipRepair.RunOnceAsync(ct);
        await portRepair.RunOnceAsync(ct);
        registry.AddAllocationHook(services, allocations);
        var networking = new ServiceNetworking(allocations, ipRepair, portRepair);
        networking._loops.Add(ipRepair.RunAsync(RepairInterval, time, networking._stop.Token));
        networking._loops.Add(portRepair.RunAsync(RepairInterval, time, networking._stop.Token));
        return networking;
    }

    /// <summary>Starts keeping the <c>kubernetes</c> Service and this server's endpoint in it (once the port is bound).</summary>
    public void StartKubernetesService(GenericRegistry registry, IStore store, IPAddress advertise, int port, TimeProvider time, ILogger logger)
    {
        _kubernetes = new KubernetesServiceReconciler(registry, store, Allocations.IpRange, advertise, port, time, logger);
        _loops.Add(RunQuietlyAsync(_kubernetes.RunAsync, _stop.Token));
    }

    /// <summary>The address other machines reach this server at: the bind address when it is a specific one, else
    /// the host's first IPv4 address that is up and not loopback (upstream's --advertise-address default).</summary>
    public static IPAddress AdvertiseAddress(IPAddress bind)
    {
        if (!bind.Equals(IPAddress.Any) && !bind.Equals(IPAddress.IPv6Any) && !IPAddress.IsLoopback(bind))
        {
            return bind;
        }

        return NetworkInterface.GetAllNetworkInterfaces()
            .Where(n => n.OperationalStatus == OperationalStatus.Up && n.NetworkInterfaceType != NetworkInterfaceType.Loopback)
            .SelectMany(n => n.GetIPProperties().UnicastAddresses)
            .Select(a => a.Address)
            .FirstOrDefault(a => a.AddressFamily == AddressFamily.InterNetwork && !IPAddress.IsLoopback(a)) ?? IPAddress.Loopback;
    }

    private static async Task RunQuietlyAsync(Func<CancellationToken, Task> loop, CancellationToken ct)
    {
        try
        {
            await loop(ct);
        }
        catch (OperationCanceledException) when (ct.IsCancellationRequested)
        {
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        foreach (var loop in _loops)
        {
            try
            {
                await loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        if (_kubernetes is not null)
        {
            try
            {
                using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(5));
                await _kubernetes.RemoveSelfAsync(timeout.Token);
            }
            catch (Exception e) when (e is StorageException or Http.ApiException or OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
    }
}
