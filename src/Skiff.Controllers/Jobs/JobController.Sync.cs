using System.Collections.Concurrent;
using k8s.Models;
using Skiff.Api.Json;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Jobs;

/// <summary>The sync of a job that has not finished: count, decide, create or delete pods, write status.</summary>
public sealed partial class JobController
{
    private async Task SyncActiveJobAsync(string key, V1Job job, List<V1Pod> pods, bool satisfied, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var spec = job.Spec;
        var indexed = JobPods.IsIndexed(job);
        var completions = spec.Completions;
        var status = job.Status is { } current ? ObjectCopy.Clone(current) : new V1JobStatus();
        var uncountedSucceeded = new HashSet<string>(status.UncountedTerminatedPods?.Succeeded ?? [], StringComparer.Ordinal);
        var uncountedFailed = new HashSet<string>(status.UncountedTerminatedPods?.Failed ?? [], StringComparer.Ordinal);
        var succeededIndexes = indexed ? CompletedIndexes.Parse(status.CompletedIndexes, completions ?? 0) : [];
        var perIndex = IndexFailures.HasPerIndexLimit(job);
        var failedIndexes = perIndex ? CompletedIndexes.Parse(status.FailedIndexes, completions ?? 0) : [];
        var finishing = JobConditions.Find(job, JobConditions.FailureTarget) ?? JobConditions.Find(job, JobConditions.SuccessCriteriaMet);

        // 1. Finished pods that still carry the finalizer are recorded as uncounted before their finalizer goes.
        var untrack = new List<V1Pod>();
        var newlySucceeded = new List<V1Pod>();
        var newlyFailed = new List<V1Pod>();
        string? failJobMessage = null;
        foreach (var pod in pods.Where(JobPods.HasTrackingFinalizer))
        {
            var uid = pod.Metadata.Uid;
            if (uncountedSucceeded.Contains(uid) || uncountedFailed.Contains(uid))
            {
                untrack.Add(pod);
                continue;
            }

            var failed = JobPods.IsFailed(pod, job);
            if (pod.Status?.Phase == "Succeeded")
            {
                untrack.Add(pod);
                if (!indexed)
                {
                    newlySucceeded.Add(pod);
                }
                else if (JobPods.Index(pod) is { } index && index < completions && succeededIndexes.Add(index))
                {
                    newlySucceeded.Add(pod);
                }
            }
            else if (failed || (finishing?.Type == JobConditions.FailureTarget && !PodStates.IsActive(pod)))
            {
                untrack.Add(pod);
                var verdict = PodFailurePolicies.Match(spec.PodFailurePolicy, pod);
                if (verdict.Action == "Ignore")
                {
                    continue;
                }

                if (!indexed || JobPods.Index(pod) is { } index && index < completions)
                {
                    newlyFailed.Add(pod);
                }

                if (perIndex && JobPods.Index(pod) is { } failedIndex && failedIndex < completions && IndexFailures.FailsIndex(job, pod, verdict.Action))
                {
                    failedIndexes.Add(failedIndex);
                }

                if (verdict.Action == "FailJob")
                {
                    failJobMessage ??= verdict.Message;
                }
            }
        }

        Backoff.Observe(
            key,
            newlyFailed.Where(p => p.Status?.Phase == "Failed" || p.Metadata.DeletionTimestamp is not null).Select(p => JobPods.FinishTime(p, now)).ToList(),
            newlySucceeded.Select(p => JobPods.FinishTime(p, now)).ToList());
        uncountedSucceeded.UnionWith(newlySucceeded.Select(p => p.Metadata.Uid));
        uncountedFailed.UnionWith(newlyFailed.Select(p => p.Metadata.Uid));
        var succeeded = (status.Succeeded ?? 0) + uncountedSucceeded.Count;
        var failedCount = (status.Failed ?? 0) + uncountedFailed.Count;
        var active = pods.Where(PodStates.IsActive).ToList();
        var terminating = pods.Count(JobPods.IsTerminating);

        // 2. Has the job reached its end? First the target condition; the terminal one once its pods are gone.
        if (finishing is null)
        {
            var failure = failJobMessage is not null ? (JobConditions.PodFailurePolicy, failJobMessage)
                : perIndex && spec.MaxFailedIndexes is { } maxFailed && failedIndexes.Count > maxFailed
                    ? ("MaxFailedIndexesExceeded", "Job has exceeded the specified maximal number of failed indexes")
                : perIndex && failedIndexes.Count > 0 && succeededIndexes.Count + failedIndexes.Count >= completions
                    ? ("FailedIndexes", "Job has failed indexes")
                : failedCount > (spec.BackoffLimit ?? 6) || PastBackoffLimitOnFailure(job, active) ? (JobConditions.BackoffLimitExceeded, JobConditions.BackoffLimitExceededMessage)
                : PastDeadline(job, status, now) ? (JobConditions.DeadlineExceeded, JobConditions.DeadlineExceededMessage)
                : ((string, string)?)null;
            if (failure is { } f)
            {
                JobConditions.Set(status, JobConditions.FailureTarget, "True", f.Item1, f.Item2, now);
                finishing = JobConditions.Find(new V1Job { Status = status }, JobConditions.FailureTarget);
            }
            else if (SuccessCriteriaMet(job, succeeded, succeededIndexes.Count, active.Count))
            {
                JobConditions.Set(status, JobConditions.SuccessCriteriaMet, "True", JobConditions.CompletionsReached, JobConditions.CompletionsReachedMessage, now);
                finishing = JobConditions.Find(new V1Job { Status = status }, JobConditions.SuccessCriteriaMet);
            }
        }

        // 3. Pods: stop them all when finishing or suspended, else make the active count right.
        var created = 0;
        var deleted = 0;
        Exception? manageError = null;
        try
        {
            if (finishing is not null)
            {
                deleted = await DeletePodsAsync(key, job, active, cancellationToken);
            }
            else if (spec.Suspend == true)
            {
                if (JobConditions.Set(status, JobConditions.Suspended, "True", "JobSuspended", "Job suspended", now))
                {
                    _events.Event(job, EventTypes.Normal, "Suspended", "Job suspended");
                }

                deleted = await DeletePodsAsync(key, job, active, cancellationToken);
            }
            else
            {
                if (JobConditions.Set(status, JobConditions.Suspended, "False", "JobResumed", "Job resumed", now))
                {
                    // The deadline counts the time a job is continuously active: resuming restarts it.
                    _events.Event(job, EventTypes.Normal, "Resumed", "Job resumed");
                    status.StartTime = now.UtcDateTime;
                }

                status.StartTime ??= now.UtcDateTime;
                if (satisfied)
                {
                    (created, deleted) = await ManagePodsAsync(key, job, active, pods, succeeded, succeededIndexes, failedIndexes, now, cancellationToken);
                }
            }
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            manageError = e;
        }

        // 4. Record the newly finished pods as uncounted, let their finalizers go, then count them.
        status.Active = active.Count + created - deleted;
        status.Ready = active.Count(PodStates.IsReady);
        status.Terminating = terminating + deleted;
        if (indexed)
        {
            status.CompletedIndexes = CompletedIndexes.Format(succeededIndexes);
        }

        if (perIndex)
        {
            status.FailedIndexes = CompletedIndexes.Format(failedIndexes);
        }

        status.UncountedTerminatedPods = new V1UncountedTerminatedPods { Succeeded = uncountedSucceeded.Order(StringComparer.Ordinal).ToList(), Failed = uncountedFailed.Order(StringComparer.Ordinal).ToList() };
        job = await WriteStatusAsync(job, status, cancellationToken);
        var released = await RemoveFinalizersAsync(untrack, cancellationToken);
        var withFinalizer = pods.Where(JobPods.HasTrackingFinalizer).Select(p => p.Metadata.Uid).Except(released).ToHashSet(StringComparer.Ordinal);
        var countSucceeded = uncountedSucceeded.Where(uid => !withFinalizer.Contains(uid)).ToList();
        var countFailed = uncountedFailed.Where(uid => !withFinalizer.Contains(uid)).ToList();
        status.Succeeded = (status.Succeeded ?? 0) + countSucceeded.Count;
        status.Failed = (status.Failed ?? 0) + countFailed.Count;
        uncountedSucceeded.ExceptWith(countSucceeded);
        uncountedFailed.ExceptWith(countFailed);
        status.UncountedTerminatedPods = new V1UncountedTerminatedPods { Succeeded = uncountedSucceeded.Order(StringComparer.Ordinal).ToList(), Failed = uncountedFailed.Order(StringComparer.Ordinal).ToList() };

        // 5. The terminal condition once every pod has stopped and been counted.
        var drained = status.Active == 0 && status.Terminating == 0 && uncountedSucceeded.Count == 0 && uncountedFailed.Count == 0;
        if (finishing is not null && drained)
        {
            if (finishing.Type == JobConditions.FailureTarget)
            {
                JobConditions.Set(status, JobConditions.Failed, "True", finishing.Reason, finishing.Message, now);
                _events.Event(job, EventTypes.Warning, finishing.Reason, finishing.Message);
            }
            else
            {
                JobConditions.Set(status, JobConditions.Complete, "True", finishing.Reason, finishing.Message, now);
                status.CompletionTime = now.UtcDateTime;
                _events.Event(job, EventTypes.Normal, "Completed", "Job completed");
            }
        }

        await WriteStatusAsync(job, status, cancellationToken);
        if (manageError is not null)
        {
            throw manageError;
        }

        RequeueForTime(key, job, status, now);
    }

    /// <summary>Syncs again when the deadline falls (and, while pods are still running, as pods change).</summary>
    private void RequeueForTime(string key, V1Job job, V1JobStatus status, DateTimeOffset now)
    {
        if (JobConditions.IsFinished(new V1Job { Status = status }) || job.Spec.Suspend == true)
        {
            return;
        }

        if (job.Spec.ActiveDeadlineSeconds is { } deadline && status.StartTime is { } start)
        {
            var left = new DateTimeOffset(DateTime.SpecifyKind(start, DateTimeKind.Utc)).AddSeconds(deadline) - now;
            Queue.AddAfter(key, left > TimeSpan.Zero ? left : TimeSpan.Zero);
        }
    }

    private static bool SuccessCriteriaMet(V1Job job, int succeeded, int succeededIndexes, int active)
    {
        var completions = job.Spec.Completions;
        if (JobPods.IsIndexed(job))
        {
            return completions is { } c && succeededIndexes >= c;
        }

        // Without completions (a work queue) the job is done once one pod succeeded and none still runs.
        return completions is { } wanted ? succeeded >= wanted : succeeded > 0 && active == 0;
    }

    /// <summary>restartPolicy OnFailure: the restarts of the running pods' containers count against the backoff limit.</summary>
    private static bool PastBackoffLimitOnFailure(V1Job job, List<V1Pod> active)
    {
        if (job.Spec.Template?.Spec?.RestartPolicy != "OnFailure")
        {
            return false;
        }

        var limit = job.Spec.BackoffLimit ?? 6;
        var restarts = active
            .Where(p => p.Status?.Phase is "Running" or "Pending")
            .Sum(p => (p.Status?.InitContainerStatuses ?? []).Concat(p.Status?.ContainerStatuses ?? []).Sum(c => c.RestartCount));
        return limit == 0 ? restarts > 0 : restarts >= limit;
    }

    private static bool PastDeadline(V1Job job, V1JobStatus status, DateTimeOffset now)
    {
        if (job.Spec.ActiveDeadlineSeconds is not { } deadline || status.StartTime is not { } start || job.Spec.Suspend == true)
        {
            return false;
        }

        return now - new DateTimeOffset(DateTime.SpecifyKind(start, DateTimeKind.Utc)) >= TimeSpan.FromSeconds(deadline);
    }

    private async Task<(int Created, int Deleted)> ManagePodsAsync(
        string key, V1Job job, List<V1Pod> active, List<V1Pod> pods, int succeeded, SortedSet<int> succeededIndexes, SortedSet<int> failedIndexes,
        DateTimeOffset now, CancellationToken cancellationToken)
    {
        var perIndex = IndexFailures.HasPerIndexLimit(job);
        var parallelism = job.Spec.Parallelism ?? 1;
        var completions = job.Spec.Completions;
        var indexed = JobPods.IsIndexed(job);
        var deleted = 0;
        var keep = active;
        if (indexed)
        {
            // Pods of a finished, out-of-range or duplicated index are surplus.
            var seen = new HashSet<int>();
            var surplus = new List<V1Pod>();
            keep = [];
            foreach (var pod in active.OrderBy(p => p.Metadata.CreationTimestamp))
            {
                if (JobPods.Index(pod) is { } ix && ix < completions && !succeededIndexes.Contains(ix) && !failedIndexes.Contains(ix) && seen.Add(ix))
                {
                    keep.Add(pod);
                }
                else
                {
                    surplus.Add(pod);
                }
            }

            deleted += await DeletePodsAsync(key, job, surplus, cancellationToken);
        }

        int wantActive;
        if (completions is null)
        {
            wantActive = succeeded > 0 ? keep.Count : parallelism;
        }
        else
        {
            var remaining = indexed ? completions.Value - succeededIndexes.Count - failedIndexes.Count : completions.Value - succeeded;
            wantActive = Math.Max(0, Math.Min(parallelism, remaining));
        }

        // With podReplacementPolicy Failed a terminating pod still holds its place.
        var counted = keep.Count + (JobPods.OnlyReplaceFailed(job) ? pods.Count(JobPods.IsTerminating) : 0);
        if (counted > wantActive)
        {
            var excess = Math.Min(counted - wantActive, Math.Min(keep.Count, MaxPodCreateDeletePerSync));
            var victims = indexed
                ? keep.OrderByDescending(p => JobPods.Index(p)).Take(excess).ToList()
                : PodDeletionOrder.PodsToDelete(keep, keep, excess);
            deleted += await DeletePodsAsync(key, job, victims, cancellationToken);
            return (0, deleted);
        }

        if (counted == wantActive)
        {
            return (0, deleted);
        }

        // With backoffLimitPerIndex the back-off is per index (below), not the job's.
        var wait = perIndex ? TimeSpan.Zero : Backoff.Remaining(key, now);
        if (wait > TimeSpan.Zero)
        {
            Queue.AddAfter(key, wait);
            return (0, deleted);
        }

        var toCreate = Math.Min(wantActive - counted, MaxPodCreateDeletePerSync);
        var indexes = new ConcurrentQueue<int>();
        var nextPods = perIndex ? IndexFailures.NextPods(job, pods, now) : [];
        if (indexed)
        {
            var taken = pods.Where(p => PodStates.IsActive(p) || (JobPods.OnlyReplaceFailed(job) && JobPods.IsTerminating(p)))
                .Select(JobPods.Index).Where(i => i is not null).Select(i => i!.Value).ToHashSet();
            TimeSpan? soonest = null;
            foreach (var ix in Enumerable.Range(0, completions ?? 0).Where(i => !succeededIndexes.Contains(i) && !failedIndexes.Contains(i) && !taken.Contains(i)))
            {
                if (indexes.Count == toCreate)
                {
                    break;
                }

                if (nextPods.TryGetValue(ix, out var next) && next.NotBefore > now)
                {
                    soonest = soonest is { } s && s < next.NotBefore - now ? s : next.NotBefore - now;
                    continue;
                }

                indexes.Enqueue(ix);
            }

            if (soonest is { } later)
            {
                Queue.AddAfter(key, later);
            }

            toCreate = indexes.Count;
        }

        if (toCreate == 0)
        {
            return (0, deleted);
        }

        Expectations.ExpectCreations(key, toCreate);
        var (created, error) = await SlowStart.RunAsync(
            toCreate,
            ct =>
            {
                int? index = indexed && indexes.TryDequeue(out var ix) ? ix : null;
                int? failureCount = perIndex && index is { } i ? (nextPods.TryGetValue(i, out var next) ? next.Count : 0) : null;
                return CreatePodAsync(job, index, failureCount, ct);
            },
            cancellationToken);
        for (var skipped = toCreate - created; skipped > 0; skipped--)
        {
            Expectations.CreationObserved(key);
        }

        if (error is not null)
        {
            throw error;
        }

        return (created, deleted);
    }

    private async Task CreatePodAsync(V1Job job, int? index, int? failureCount, CancellationToken cancellationToken)
    {
        try
        {
            var pod = JobPods.NewPod(job, index);
            if (failureCount is { } count)
            {
                (pod.Metadata.Annotations ??= new Dictionary<string, string>())[IndexFailures.FailureCountAnnotation] = count.ToString(System.Globalization.CultureInfo.InvariantCulture);
            }

            var created = await _api.CreateAsync(pod, cancellationToken);
            _events.Event(job, EventTypes.Normal, "SuccessfulCreate", $"Created pod: {created.Metadata.Name}");
        }
        catch (ApiException e)
        {
            _events.Event(job, EventTypes.Warning, "FailedCreate", $"Error creating: {e.Message}");
            throw;
        }
    }

    /// <summary>Deletes <paramref name="victims"/>; returns how many it deleted.</summary>
    private async Task<int> DeletePodsAsync(string key, V1Job job, IReadOnlyList<V1Pod> victims, CancellationToken cancellationToken)
    {
        if (victims.Count == 0)
        {
            return 0;
        }

        Expectations.ExpectDeletions(key, victims.Select(ObjectKeys.Of));
        var results = await BoundedCalls.RunAsync(victims, SlowStart.MaxInFlight, async (pod, ct) =>
        {
            try
            {
                await _api.DeleteAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, null, ct);
                _events.Event(job, EventTypes.Normal, "SuccessfulDelete", $"Deleted pod: {pod.Metadata.Name}");
                return (Deleted: true, Error: (Exception?)null);
            }
            catch (ApiException e) when (e.IsNotFound)
            {
                Expectations.DeletionObserved(key, ObjectKeys.Of(pod));
                return (false, null);
            }
            catch (ApiException e)
            {
                Expectations.DeletionObserved(key, ObjectKeys.Of(pod));
                _events.Event(job, EventTypes.Warning, "FailedDelete", $"Error deleting: {e.Message}");
                return (false, e);
            }
        }, cancellationToken);
        if (results.FirstOrDefault(r => r.Error is not null).Error is { } error)
        {
            throw error;
        }

        return results.Count(r => r.Deleted);
    }

    private async Task<V1Job> WriteStatusAsync(V1Job job, V1JobStatus status, CancellationToken cancellationToken)
    {
        if (ModelJson.Serialize(job.Status ?? new V1JobStatus()) == ModelJson.Serialize(status))
        {
            return job;
        }

        var copy = ObjectCopy.Clone(job);
        copy.Status = ObjectCopy.Clone(status);
        return await _api.UpdateStatusAsync(copy, cancellationToken);
    }
}
