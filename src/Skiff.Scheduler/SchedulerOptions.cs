namespace Skiff.Scheduler;

/// <summary>How the scheduler runs (kube-scheduler's configuration, the parts Skiff has).</summary>
public sealed record SchedulerOptions
{
    public const string DefaultSchedulerName = "default-scheduler";

    /// <summary>Pods whose <c>spec.schedulerName</c> is another are left alone.</summary>
    public string SchedulerName { get; init; } = DefaultSchedulerName;

    /// <summary>Elect a leader through the Lease <c>kube-system/kube-scheduler</c> (off only for tests with one
    /// scheduler).</summary>
    public bool LeaderElect { get; init; } = true;

    /// <summary>This candidate's identity in the election.</summary>
    public string Identity { get; init; } = Skiff.Client.Leases.LeaderElectionConfig.NewIdentity();

    /// <summary>Degree of parallelism of the filter and score phases (upstream: 16).</summary>
    public int Parallelism { get; init; } = Math.Min(16, Environment.ProcessorCount);

    /// <summary>Null for upstream's adaptive share of nodes to find before scoring.</summary>
    public int? PercentageOfNodesToScore { get; init; }

    /// <summary>Bindings in flight at once (each is one API call).</summary>
    public int BindConcurrency { get; init; } = 64;
}
