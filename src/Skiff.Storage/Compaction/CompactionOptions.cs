namespace Skiff.Storage.Compaction;

/// <summary>
/// How much history a store keeps. Every <see cref="Interval"/> the compactor compacts to the revision that was current
/// one interval ago, but never closer than <see cref="RetainedRevisions"/> to the current revision. So history always
/// covers at least the last <see cref="RetainedRevisions"/> revisions and at least the last <see cref="Interval"/>
/// (kube-apiserver's <c>--etcd-compaction-interval</c> is 5 minutes too).
/// </summary>
public sealed record CompactionOptions
{
    /// <summary>Defaults: every 5 minutes, keeping at least the last 10,000 revisions.</summary>
    public static CompactionOptions Default { get; } = new();

    /// <summary>Time between compactions; also the minimum age of history that is removed.</summary>
    public TimeSpan Interval { get; init; } = TimeSpan.FromMinutes(5);

    /// <summary>How many of the latest revisions are always kept.</summary>
    public long RetainedRevisions { get; init; } = 10_000;

    /// <summary>The revision to compact to now, given the current revision and the one seen one interval ago.</summary>
    public long Target(long currentRevision, long revisionOneIntervalAgo) =>
        Math.Min(revisionOneIntervalAgo, currentRevision - RetainedRevisions);
}
