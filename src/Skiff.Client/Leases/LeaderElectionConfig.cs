namespace Skiff.Client.Leases;

/// <summary>
/// A leader election on a <c>coordination.k8s.io</c> Lease, with upstream's timings: a lease of 15 s, renewed every
/// 2 s, given up when not renewed within 10 s (so a leader that cannot renew stops acting before the lease runs out
/// and another may take it).
/// </summary>
public sealed record LeaderElectionConfig
{
    /// <summary>e.g. <c>kube-system</c>.</summary>
    public required string Namespace { get; init; }

    /// <summary>e.g. <c>kube-scheduler</c>.</summary>
    public required string Name { get; init; }

    /// <summary>This candidate's identity, unique among candidates (upstream: hostname_uuid).</summary>
    public required string Identity { get; init; }

    public TimeSpan LeaseDuration { get; init; } = TimeSpan.FromSeconds(15);

    public TimeSpan RenewDeadline { get; init; } = TimeSpan.FromSeconds(10);

    public TimeSpan RetryPeriod { get; init; } = TimeSpan.FromSeconds(2);

    /// <summary>Give the lease up when leading ends by cancellation, so a successor need not wait for it to expire.</summary>
    public bool ReleaseOnCancel { get; init; } = true;

    /// <summary>A fresh identity for this process, as upstream builds it: <c>&lt;host&gt;_&lt;uuid&gt;</c>.</summary>
    public static string NewIdentity() => $"{Environment.MachineName.ToLowerInvariant()}_{Guid.NewGuid()}";
}
