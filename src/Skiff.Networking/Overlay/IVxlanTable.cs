namespace Skiff.Networking.Overlay;

/// <summary>The node's VXLAN device and its static entries (no learning, no multicast: every entry comes from the
/// Nodes in the API, as flannel's vxlan backend does).</summary>
public interface IVxlanTable
{
    /// <summary>Creates the device as <paramref name="device"/> describes, or re-creates it if it differs; sets its
    /// gateway address and brings it up.</summary>
    Task EnsureDeviceAsync(VxlanDevice device, CancellationToken cancellationToken);

    /// <summary>Deletes the device (and with it its entries and routes) if there is one sending from
    /// <paramref name="localIp"/>, this node's address: what a node left from an earlier run with the overlay when it
    /// now runs without one. Returns whether it deleted one.</summary>
    Task<bool> DeleteDeviceAsync(string localIp, CancellationToken cancellationToken);

    /// <summary>The permanent neighbour entries on the device (empty when there is no device).</summary>
    Task<IReadOnlyList<VxlanNeighbour>> ListNeighboursAsync(CancellationToken cancellationToken);

    Task ReplaceNeighbourAsync(VxlanNeighbour neighbour, CancellationToken cancellationToken);

    Task DeleteNeighbourAsync(VxlanNeighbour neighbour, CancellationToken cancellationToken);

    /// <summary>The forwarding entries with a remote destination on the device (empty when there is no device).</summary>
    Task<IReadOnlyList<VxlanForwarding>> ListForwardingAsync(CancellationToken cancellationToken);

    Task ReplaceForwardingAsync(VxlanForwarding entry, CancellationToken cancellationToken);

    Task DeleteForwardingAsync(VxlanForwarding entry, CancellationToken cancellationToken);
}
