using k8s;
using k8s.Models;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// Cluster-wide resources a kind takes from outside its own object (a Service's cluster IP and node ports): taken
/// before the object is written, given back if the write fails, and released when the object is gone.
/// </summary>
public interface IAllocationHook
{
    /// <summary>Allocates what <paramref name="obj"/> needs (filling it in), given the object it replaces
    /// (<paramref name="old"/>, null on create). Throws an <see cref="Http.ApiException"/> when it cannot.</summary>
    Task<IAllocationReservation> ReserveAsync(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta>? old, bool dryRun, CancellationToken ct);

    /// <summary>Releases everything a deleted object held.</summary>
    Task ReleaseAsync(IKubernetesObject<V1ObjectMeta> deleted, CancellationToken ct);
}

/// <summary>What one write allocated: committed once the write is stored (releasing what the old object held and
/// the new one does not), reverted when it is not.</summary>
public interface IAllocationReservation
{
    Task CommitAsync(CancellationToken ct);

    Task RevertAsync(CancellationToken ct);
}
