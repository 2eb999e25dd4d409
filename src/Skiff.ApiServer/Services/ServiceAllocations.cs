using System.Globalization;
using System.Net;
using k8s;
using k8s.Models;
using Skiff.Apimachinery.Validation;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Services;

/// <summary>
/// A Service's cluster IP and node ports (upstream's pkg/registry/core/service/storage/alloc.go): explicit values are
/// taken or refused with upstream's 422, missing ones allocated (dynamic band first), headless and ExternalName
/// services get no IP, and what an update or delete no longer uses is released once the write is stored.
/// </summary>
public sealed class ServiceAllocations : IAllocationHook
{
    public ServiceAllocations(ServiceIpRange ipRange, StoredRangeAllocator ips, NodePortRange portRange, StoredRangeAllocator ports)
    {
        IpRange = ipRange;
        Ips = ips;
        PortRange = portRange;
        Ports = ports;
    }

    public ServiceIpRange IpRange { get; }

    public StoredRangeAllocator Ips { get; }

    public NodePortRange PortRange { get; }

    public StoredRangeAllocator Ports { get; }

    public async Task<IAllocationReservation> ReserveAsync(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta>? old, bool dryRun, CancellationToken ct)
    {
        var service = (V1Service)obj;
        var previous = (V1Service?)old;
        var reservation = new Reservation(this, dryRun);
        try
        {
            await ReserveClusterIpAsync(service, previous, reservation, ct);
            await ReserveNodePortsAsync(service, previous, reservation, ct);
        }
        catch
        {
            await reservation.RevertAsync(CancellationToken.None);
            throw;
        }

        if (previous is not null)
        {
            // What the old object held and the new one does not goes back to the pools once the update is stored.
            if (ClusterIpOffset(previous) is { } oldIp && ClusterIpOffset(service) != oldIp)
            {
                reservation.ReleaseIpOnCommit(oldIp);
            }

            var kept = NodePorts(service).ToHashSet();
            foreach (var port in NodePorts(previous).Where(p => !kept.Contains(p)))
            {
                reservation.ReleasePortOnCommit(port);
            }
        }

        return reservation;
    }

    public async Task ReleaseAsync(IKubernetesObject<V1ObjectMeta> deleted, CancellationToken ct)
    {
        var service = (V1Service)deleted;
        if (ClusterIpOffset(service) is { } ip)
        {
            await Ips.ReleaseAsync(ip, ct);
        }

        foreach (var port in NodePorts(service))
        {
            await Ports.ReleaseAsync(port, ct);
        }
    }

    /// <summary>The allocator offset of the service's cluster IP, or null (none, headless, outside the range).</summary>
    public int? ClusterIpOffset(V1Service service) =>
        service.Spec?.Type != "ExternalName" && IPAddress.TryParse(service.Spec?.ClusterIP, out var ip) ? IpRange.OffsetOf(ip) : null;

    /// <summary>The allocator offsets of the service's node ports in the range.</summary>
    public IEnumerable<int> NodePorts(V1Service service) =>
        service.Spec?.Type is "NodePort" or "LoadBalancer"
            ? (service.Spec.Ports ?? []).Select(p => p.NodePort is { } n ? PortRange.OffsetOf(n) : null).OfType<int>().Distinct()
            : [];

    private async Task ReserveClusterIpAsync(V1Service service, V1Service? previous, Reservation reservation, CancellationToken ct)
    {
        var spec = service.Spec ??= new V1ServiceSpec();
        if (spec.Type == "ExternalName")
        {
            return;
        }

        if (spec.ClusterIP == "None")
        {
            spec.ClusterIPs = ["None"];
            return;
        }

        if (string.IsNullOrEmpty(spec.ClusterIP))
        {
            var next = await Ips.AllocateNextAsync(reservation.DryRun, ct)
                ?? throw StatusErrors.Internal("Internal error occurred: failed to allocate a serviceIP: range is full");
            reservation.Ip(next);
            spec.ClusterIP = IpRange.At(next).ToString();
            spec.ClusterIPs = [spec.ClusterIP];
            return;
        }

        spec.ClusterIPs = [spec.ClusterIP];
        if (previous?.Spec?.Type != "ExternalName" && previous?.Spec?.ClusterIP == spec.ClusterIP)
        {
            return; // already held by this service
        }

        var requested = spec.ClusterIP;
        var offset = IpRange.OffsetOf(IPAddress.Parse(requested));
        string? failure = null;
        if (offset is null)
        {
            failure = $"the provided IP ({requested}) is not in the valid range. The range of valid IPs is {IpRange}";
        }
        else if (!await Ips.AllocateAsync(offset.Value, reservation.DryRun, ct))
        {
            failure = "provided IP is already allocated";
        }

        if (failure is not null)
        {
            throw StatusErrors.Invalid("Service", string.Empty, service.Metadata?.Name ?? string.Empty,
                [FieldErrors.Invalid("spec.clusterIPs", GoLiteral.Strings(spec.ClusterIPs), $"failed to allocate IP {requested}: {failure}")]);
        }

        reservation.Ip(offset!.Value);
    }

    private async Task ReserveNodePortsAsync(V1Service service, V1Service? previous, Reservation reservation, CancellationToken ct)
    {
        var spec = service.Spec!;
        if (spec.Type is not ("NodePort" or "LoadBalancer"))
        {
            return;
        }

        var ports = spec.Ports ?? [];
        var held = previous is null ? [] : NodePorts(previous).Select(o => PortRange.Base + o).ToHashSet();
        var taken = new HashSet<int>();

        // Explicit node ports first, so an automatic choice never takes one asked for by a later port.
        for (var i = 0; i < ports.Count; i++)
        {
            if (ports[i].NodePort is not { } requested || requested == 0 || held.Contains(requested) || !taken.Add(requested))
            {
                continue;
            }

            var offset = PortRange.OffsetOf(requested);
            string? failure = null;
            if (offset is null)
            {
                failure = $"provided port is not in the valid range. The range of valid ports is {PortRange}";
            }
            else if (!await Ports.AllocateAsync(offset.Value, reservation.DryRun, ct))
            {
                failure = "provided port is already allocated";
            }

            if (failure is not null)
            {
                throw StatusErrors.Invalid("Service", string.Empty, service.Metadata?.Name ?? string.Empty,
                    [FieldErrors.Invalid(string.Create(CultureInfo.InvariantCulture, $"spec.ports[{i}].nodePort"), requested, failure)]);
            }

            reservation.Port(offset!.Value);
        }

        foreach (var port in ports.Where(p => p.NodePort is null or 0))
        {
            // An update keeps the node port the same service port had before.
            var before = previous?.Spec?.Type is "NodePort" or "LoadBalancer"
                ? (previous.Spec.Ports ?? []).FirstOrDefault(p => p.Port == port.Port && p.Protocol == port.Protocol && p.NodePort is > 0)?.NodePort
                : null;
            if (before is { } reuse && !taken.Contains(reuse))
            {
                port.NodePort = reuse;
                taken.Add(reuse);
                continue;
            }

            var next = await Ports.AllocateNextAsync(reservation.DryRun, ct)
                ?? throw StatusErrors.Internal("Internal error occurred: failed to allocate a nodePort: range is full");
            reservation.Port(next);
            port.NodePort = PortRange.Base + next;
            taken.Add(port.NodePort.Value);
        }
    }

    private sealed class Reservation(ServiceAllocations owner, bool dryRun) : IAllocationReservation
    {
        private readonly List<int> _newIps = [];
        private readonly List<int> _newPorts = [];
        private readonly List<int> _oldIps = [];
        private readonly List<int> _oldPorts = [];

        public bool DryRun => dryRun;

        public void Ip(int offset) => _newIps.Add(offset);

        public void Port(int offset) => _newPorts.Add(offset);

        public void ReleaseIpOnCommit(int offset) => _oldIps.Add(offset);

        public void ReleasePortOnCommit(int offset) => _oldPorts.Add(offset);

        public async Task CommitAsync(CancellationToken ct)
        {
            if (dryRun)
            {
                return;
            }

            foreach (var ip in _oldIps)
            {
                await owner.Ips.ReleaseAsync(ip, ct);
            }

            foreach (var port in _oldPorts)
            {
                await owner.Ports.ReleaseAsync(port, ct);
            }
        }

        public async Task RevertAsync(CancellationToken ct)
        {
            if (dryRun)
            {
                return;
            }

            foreach (var ip in _newIps)
            {
                await owner.Ips.ReleaseAsync(ip, ct);
            }

            foreach (var port in _newPorts)
            {
                await owner.Ports.ReleaseAsync(port, ct);
            }

            _newIps.Clear();
            _newPorts.Clear();
        }
    }
}
