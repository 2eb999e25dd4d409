namespace Skiff.Kubelet.Nodes;

/// <summary>
/// Turns resource readings into the node's MemoryPressure, DiskPressure and PIDPressure, as the kubelet's eviction
/// manager does: a condition is True while its threshold is met and for <see cref="EvictionThresholds.PressureTransitionPeriod"/>
/// after it was last met. A reading that fails leaves the last observations in place.
/// </summary>
public sealed class NodePressureMonitor(INodeResourceSource source, EvictionThresholds thresholds, TimeProvider time)
{
    private readonly Lock gate = new();
    private DateTimeOffset? memoryLastMet;
    private DateTimeOffset? diskLastMet;
    private DateTimeOffset? pidLastMet;

    /// <summary>Reads the resources once and returns the conditions' states.</summary>
    public NodePressure Evaluate()
    {
        var now = time.GetUtcNow();
        NodeResourceSample? sample;
        try
        {
            sample = source.Sample();
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException or FormatException)
        {
            sample = null;
        }

        lock (gate)
        {
            if (sample is not null)
            {
                if (IsMemoryPressure(sample, thresholds))
                {
                    memoryLastMet = now;
                }

                if (IsDiskPressure(sample, thresholds))
                {
                    diskLastMet = now;
                }

                if (IsPidPressure(sample, thresholds))
                {
                    pidLastMet = now;
                }
            }

            return new NodePressure(Holds(memoryLastMet, now), Holds(diskLastMet, now), Holds(pidLastMet, now));
        }
    }

    public static bool IsMemoryPressure(NodeResourceSample sample, EvictionThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(thresholds);
        return sample.MemoryAvailableBytes < thresholds.MemoryAvailableBytes;
    }

    public static bool IsDiskPressure(NodeResourceSample sample, EvictionThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(thresholds);
        return Below(sample.NodeFs, thresholds.NodeFsAvailableFraction) || Below(sample.ImageFs, thresholds.ImageFsAvailableFraction);
    }

    public static bool IsPidPressure(NodeResourceSample sample, EvictionThresholds thresholds)
    {
        ArgumentNullException.ThrowIfNull(sample);
        ArgumentNullException.ThrowIfNull(thresholds);
        return sample.PidMax > 0 && sample.PidMax - sample.Processes < thresholds.PidAvailableFraction * sample.PidMax;
    }

    private static bool Below(FilesystemSample fs, double fraction) =>
        fs.CapacityBytes > 0 && fs.AvailableBytes < fraction * fs.CapacityBytes;

    private bool Holds(DateTimeOffset? lastMet, DateTimeOffset now) =>
        lastMet is { } met && now - met < thresholds.PressureTransitionPeriod;
}

/// <summary>Which pressure conditions are True.</summary>
public readonly record struct NodePressure(bool Memory, bool Disk, bool Pid);
