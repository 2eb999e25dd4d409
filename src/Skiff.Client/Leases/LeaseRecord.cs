using k8s.Models;

namespace Skiff.Client.Leases;

/// <summary>Reading and writing the holder fields of a Lease the way every lease user does (leader election and a
/// kubelet's node lease).</summary>
public static class LeaseRecord
{
    /// <summary>Whether <paramref name="lease"/> is held by someone else and not yet expired at <paramref name="now"/>,
    /// judged from when this process last saw the record change (<paramref name="observedAt"/>), not from the
    /// holder's clock.</summary>
    public static bool HeldByOther(V1Lease lease, string identity, DateTimeOffset observedAt, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(lease);
        var holder = lease.Spec?.HolderIdentity;
        if (string.IsNullOrEmpty(holder) || holder == identity)
        {
            return false;
        }

        var duration = TimeSpan.FromSeconds(lease.Spec?.LeaseDurationSeconds ?? 0);
        return observedAt + duration > now;
    }

    /// <summary>Sets this holder as of <paramref name="now"/>; counts a transition when the holder changes (a new
    /// lease starts at 0).</summary>
    public static void Hold(V1Lease lease, string identity, TimeSpan duration, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(lease);
        lease.Spec ??= new V1LeaseSpec();
        var spec = lease.Spec;
        if (spec.HolderIdentity != identity)
        {
            // As client-go: every change of holder counts (a released lease included), the first holder does not.
            spec.LeaseTransitions = spec.LeaseTransitions is { } transitions ? transitions + 1 : 0;

            spec.HolderIdentity = identity;
            spec.AcquireTime = now.UtcDateTime;
        }

        spec.LeaseTransitions ??= 0;
        spec.LeaseDurationSeconds = (int)duration.TotalSeconds;
        spec.RenewTime = now.UtcDateTime;
    }
}
