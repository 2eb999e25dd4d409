using Skiff.Networking.Overlay;

namespace Skiff.Networking.Tests.Overlay;

/// <summary>An in-memory VXLAN device with its entries, recording every change as the command
/// <see cref="IpVxlanTable"/> would run.</summary>
internal sealed class FakeVxlanTable : IVxlanTable
{
    public VxlanDevice? Device { get; private set; }

    public List<VxlanNeighbour> Neighbours { get; } = [];

    public List<VxlanForwarding> Forwarding { get; } = [];

    public List<string> Commands { get; } = [];

    public Task EnsureDeviceAsync(VxlanDevice device, CancellationToken cancellationToken)
    {
        if (Device != device)
        {
            Commands.Add("ip " + string.Join(' ', IpVxlanTable.AddDeviceArguments(device, "eth0", 1500)));
            Device = device;
        }

        return Task.CompletedTask;
    }

    public Task<bool> DeleteDeviceAsync(string localIp, CancellationToken cancellationToken)
    {
        if (Device?.LocalIp != localIp)
        {
            return Task.FromResult(false);
        }

        Commands.Add("ip link del " + VxlanSettings.DeviceName);
        Device = null;
        Neighbours.Clear();
        Forwarding.Clear();
        return Task.FromResult(true);
    }

    public Task<IReadOnlyList<VxlanNeighbour>> ListNeighboursAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<VxlanNeighbour>>([.. Neighbours]);

    public Task ReplaceNeighbourAsync(VxlanNeighbour neighbour, CancellationToken cancellationToken)
    {
        Commands.Add("ip " + string.Join(' ', IpVxlanTable.ReplaceNeighbourArguments(neighbour)));
        Neighbours.RemoveAll(n => n.Ip == neighbour.Ip);
        Neighbours.Add(neighbour);
        return Task.CompletedTask;
    }

    public Task DeleteNeighbourAsync(VxlanNeighbour neighbour, CancellationToken cancellationToken)
    {
        Commands.Add("ip " + string.Join(' ', IpVxlanTable.DeleteNeighbourArguments(neighbour)));
        Neighbours.Remove(neighbour);
        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<VxlanForwarding>> ListForwardingAsync(CancellationToken cancellationToken) => Task.FromResult<IReadOnlyList<VxlanForwarding>>([.. Forwarding]);

    public Task ReplaceForwardingAsync(VxlanForwarding entry, CancellationToken cancellationToken)
    {
        Commands.Add("bridge " + string.Join(' ', IpVxlanTable.ReplaceForwardingArguments(entry)));
        Forwarding.RemoveAll(f => f.Mac == entry.Mac);
        Forwarding.Add(entry);
        return Task.CompletedTask;
    }

    public Task DeleteForwardingAsync(VxlanForwarding entry, CancellationToken cancellationToken)
    {
        Commands.Add("bridge " + string.Join(' ', IpVxlanTable.DeleteForwardingArguments(entry)));
        Forwarding.Remove(entry);
        return Task.CompletedTask;
    }
}
