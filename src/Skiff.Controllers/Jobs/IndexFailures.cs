using System.Globalization;
using k8s.Models;

namespace Skiff.Controllers.Jobs;

/// <summary>
/// upstream's backoffLimitPerIndex bookkeeping: every pod of such a job carries how often its index failed before
/// (<c>batch.kubernetes.io/job-index-failure-count</c>); a replacement gets that count plus one and waits the pod
/// back-off for it; an index whose count passes the limit (or whose pod matched a FailIndex rule) is failed for good.
/// </summary>
public static class IndexFailures
{
    public const string FailureCountAnnotation = "batch.kubernetes.io/job-index-failure-count";

    public static bool HasPerIndexLimit(V1Job job) => JobPods.IsIndexed(job) && job?.Spec?.BackoffLimitPerIndex is not null;

    /// <summary>The failures of the pod's index before this pod.</summary>
    public static int FailureCount(V1Pod pod) =>
        pod?.Metadata.Annotations is { } annotations && annotations.TryGetValue(FailureCountAnnotation, out var text)
        && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var count) ? count : 0;

    /// <summary>Whether this failed pod fails its index: a FailIndex rule matched, or the index is past its limit.</summary>
    public static bool FailsIndex(V1Job job, V1Pod pod, string? action)
    {
        ArgumentNullException.ThrowIfNull(job);
        return action == "FailIndex" || FailureCount(pod) + 1 > job.Spec.BackoffLimitPerIndex;
    }

    /// <summary>Per index: the failure count its next pod carries and when that pod may be created.</summary>
    public static Dictionary<int, (int Count, DateTimeOffset NotBefore)> NextPods(V1Job job, IEnumerable<V1Pod> pods, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(job);
        var next = new Dictionary<int, (int Count, DateTimeOffset NotBefore)>();
        foreach (var pod in pods)
        {
            if (JobPods.Index(pod) is not { } index || !JobPods.IsFailed(pod, job)
                || PodFailurePolicies.Match(job.Spec.PodFailurePolicy, pod).Action == "Ignore")
            {
                continue;
            }

            var count = FailureCount(pod) + 1;
            var notBefore = JobPods.FinishTime(pod, now) + JobBackoff.Delay(count);
            if (!next.TryGetValue(index, out var known) || count > known.Count)
            {
                next[index] = (count, notBefore);
            }
        }

        return next;
    }
}
