namespace Skiff.Kubelet.Nodes;

/// <summary>
/// The hard eviction thresholds the pressure conditions are computed against, with the real kubelet's Linux defaults
/// (<c>memory.available&lt;100Mi</c>, <c>nodefs.available&lt;10%</c>, <c>imagefs.available&lt;15%</c>). The kubelet
/// sets no <c>pid.available</c> threshold by default (PIDPressure then never turns True); Skiff uses 10% so a node
/// running out of PIDs says so.
/// </summary>
public sealed record EvictionThresholds
{
    /// <summary><c>memory.available</c>: pressure when MemAvailable drops below this many bytes.</summary>
    public long MemoryAvailableBytes { get; init; } = 100L * 1024 * 1024;

    /// <summary><c>nodefs.available</c>: pressure when less than this fraction of the kubelet's filesystem is free.</summary>
    public double NodeFsAvailableFraction { get; init; } = 0.10;

    /// <summary><c>imagefs.available</c>: pressure when less than this fraction of the image filesystem is free.</summary>
    public double ImageFsAvailableFraction { get; init; } = 0.15;

    /// <summary><c>pid.available</c>: pressure when fewer than this fraction of the PID limit are left.</summary>
    public double PidAvailableFraction { get; init; } = 0.10;

    /// <summary>
    /// <c>--eviction-pressure-transition-period</c>: a condition stays True this long after the threshold was last
    /// met, so a node hovering around a threshold does not flap.
    /// </summary>
    public TimeSpan PressureTransitionPeriod { get; init; } = TimeSpan.FromMinutes(5);
}
