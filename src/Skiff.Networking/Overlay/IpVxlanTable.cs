using System.Globalization;
using System.Text.Json.Nodes;
using Skiff.Networking.Routes;

namespace Skiff.Networking.Overlay;

/// <summary>
/// <see cref="IVxlanTable"/> through iproute2 (<c>ip</c> for the device and neighbours, <c>bridge</c> for the
/// forwarding database), optionally in a network namespace (tests). The device is flannel's: VNI 1, port 8472, no
/// learning, <c>local</c> the node's address on the link that carries it, MTU that link's less 50.
/// </summary>
public sealed class IpVxlanTable(string? netns = null, string ip = "ip", string bridge = "bridge") : IVxlanTable
{
    private const string Device = VxlanSettings.DeviceName;

    /// <summary>The arguments after <c>ip</c> that create the device on <paramref name="underlay"/>.</summary>
    public static IReadOnlyList<string> AddDeviceArguments(VxlanDevice device, string underlay, int underlayMtu)
    {
        ArgumentNullException.ThrowIfNull(device);
        return
        [
            "link", "add", Device, "mtu", (underlayMtu - VxlanSettings.Overhead).ToString(CultureInfo.InvariantCulture), "address", device.Mac,
            "type", "vxlan", "id", VxlanSettings.Vni.ToString(CultureInfo.InvariantCulture), "local", device.LocalIp, "dev", underlay,
            "dstport", VxlanSettings.Port.ToString(CultureInfo.InvariantCulture), "nolearning",
        ];
    }

    /// <summary>The arguments after <c>ip</c> giving the device its gateway address (a /32, as flannel's).</summary>
    public static IReadOnlyList<string> AddressArguments(VxlanDevice device)
    {
        ArgumentNullException.ThrowIfNull(device);
        return ["addr", "replace", device.Gateway + "/32", "dev", Device];
    }

    public static IReadOnlyList<string> ReplaceNeighbourArguments(VxlanNeighbour neighbour)
    {
        ArgumentNullException.ThrowIfNull(neighbour);
        return ["-4", "neigh", "replace", neighbour.Ip, "lladdr", neighbour.Mac, "dev", Device, "nud", "permanent"];
    }

    public static IReadOnlyList<string> DeleteNeighbourArguments(VxlanNeighbour neighbour)
    {
        ArgumentNullException.ThrowIfNull(neighbour);
        return ["-4", "neigh", "del", neighbour.Ip, "dev", Device];
    }

    /// <summary>The arguments after <c>bridge</c> for a forwarding entry.</summary>
    public static IReadOnlyList<string> ReplaceForwardingArguments(VxlanForwarding entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return ["fdb", "replace", entry.Mac, "dev", Device, "dst", entry.Destination, "self", "permanent"];
    }

    public static IReadOnlyList<string> DeleteForwardingArguments(VxlanForwarding entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        return ["fdb", "del", entry.Mac, "dev", Device, "dst", entry.Destination, "self"];
    }

    public async Task EnsureDeviceAsync(VxlanDevice device, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(device);
        var (underlay, mtu) = await UnderlayAsync(device.LocalIp, cancellationToken);
        var existing = await ShowDeviceAsync(cancellationToken);
        if (existing is not null && !Matches(existing, device, mtu))
        {
            await RunIpAsync(["link", "del", Device], cancellationToken);
            existing = null;
        }

        if (existing is null)
        {
            await RunIpAsync(AddDeviceArguments(device, underlay, mtu), cancellationToken);
        }

        await RunIpAsync(AddressArguments(device), cancellationToken);
        await RunIpAsync(["link", "set", Device, "up"], cancellationToken);
    }

    public async Task<bool> DeleteDeviceAsync(string localIp, CancellationToken cancellationToken)
    {
        var existing = await ShowDeviceAsync(cancellationToken);
        if (existing?["linkinfo"]?["info_data"]?["local"]?.GetValue<string>() != localIp)
        {
            return false; // none, or not this node's (another cluster's on a shared kernel): not ours to remove
        }

        await RunIpAsync(["link", "del", Device], cancellationToken);
        return true;
    }

    public async Task<IReadOnlyList<VxlanNeighbour>> ListNeighboursAsync(CancellationToken cancellationToken)
    {
        if (await ShowDeviceAsync(cancellationToken) is null)
        {
            return [];
        }

        var json = await RunIpAsync(["-4", "-j", "neigh", "show", "dev", Device, "nud", "permanent"], cancellationToken);
        return [.. Array(json)
            .Where(e => e?["dst"] is not null && e["lladdr"] is not null)
            .Select(e => new VxlanNeighbour(e!["dst"]!.GetValue<string>(), e["lladdr"]!.GetValue<string>()))];
    }

    public Task ReplaceNeighbourAsync(VxlanNeighbour neighbour, CancellationToken cancellationToken) => RunIpAsync(ReplaceNeighbourArguments(neighbour), cancellationToken);

    public Task DeleteNeighbourAsync(VxlanNeighbour neighbour, CancellationToken cancellationToken) => RunIpAsync(DeleteNeighbourArguments(neighbour), cancellationToken);

    public async Task<IReadOnlyList<VxlanForwarding>> ListForwardingAsync(CancellationToken cancellationToken)
    {
        if (await ShowDeviceAsync(cancellationToken) is null)
        {
            return [];
        }

        var json = await IpCommand.RunAsync(bridge, netns, ["-j", "fdb", "show", "dev", Device], cancellationToken);
        return [.. Array(json)
            .Where(e => e?["dst"] is not null && e["mac"] is not null)
            .Select(e => new VxlanForwarding(e!["mac"]!.GetValue<string>(), e["dst"]!.GetValue<string>()))];
    }

    public Task ReplaceForwardingAsync(VxlanForwarding entry, CancellationToken cancellationToken) =>
        IpCommand.RunAsync(bridge, netns, ReplaceForwardingArguments(entry), cancellationToken);

    public Task DeleteForwardingAsync(VxlanForwarding entry, CancellationToken cancellationToken) =>
        IpCommand.RunAsync(bridge, netns, DeleteForwardingArguments(entry), cancellationToken);

    private static bool Matches(JsonNode existing, VxlanDevice device, int mtu)
    {
        var data = existing["linkinfo"]?["info_data"];
        return existing["linkinfo"]?["info_kind"]?.GetValue<string>() == "vxlan"
            && data?["id"]?.GetValue<int>() == VxlanSettings.Vni
            && data["local"]?.GetValue<string>() == device.LocalIp
            && data["port"]?.GetValue<int>() == VxlanSettings.Port
            && existing["address"]?.GetValue<string>() == device.Mac
            && existing["mtu"]?.GetValue<int>() == mtu - VxlanSettings.Overhead;
    }

    /// <summary>The link holding <paramref name="localIp"/> and its MTU: the VXLAN device sends through it.</summary>
    private async Task<(string Device, int Mtu)> UnderlayAsync(string localIp, CancellationToken cancellationToken)
    {
        var json = await RunIpAsync(["-4", "-j", "addr", "show"], cancellationToken);
        foreach (var link in Array(json))
        {
            if (link?["addr_info"]?.AsArray().Any(a => a?["local"]?.GetValue<string>() == localIp) == true)
            {
                return (link["ifname"]!.GetValue<string>(), link["mtu"]?.GetValue<int>() ?? 1500);
            }
        }

        throw new InvalidOperationException($"no link of this host has the node address {localIp}: cannot place the VXLAN device");
    }

    private async Task<JsonNode?> ShowDeviceAsync(CancellationToken cancellationToken)
    {
        try
        {
            return Array(await RunIpAsync(["-j", "-d", "link", "show", "dev", Device], cancellationToken)).FirstOrDefault();
        }
        catch (InvalidOperationException e) when (e.Message.Contains("does not exist", StringComparison.Ordinal))
        {
            return null;
        }
    }

    private static JsonArray Array(string json) => JsonNode.Parse(string.IsNullOrWhiteSpace(json) ? "[]" : json)?.AsArray() ?? [];

    private Task<string> RunIpAsync(IReadOnlyList<string> arguments, CancellationToken cancellationToken) => IpCommand.RunAsync(ip, netns, arguments, cancellationToken);
}
