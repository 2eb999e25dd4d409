using k8s.Models;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Controllers.Common;
using static Skiff.Controllers.Deployments.DeploymentUtil;

namespace Skiff.Controllers.Deployments;

/// <summary>The rollout strategies, scaling and status of <see cref="DeploymentController"/> (upstream's rolling.go,
/// recreate.go, sync.go and progress.go).</summary>
public sealed partial class DeploymentController
{
    private static bool IsActive(V1ReplicaSet? rs) => rs is not null && Replicas(rs) > 0;

    private async Task RolloutRollingAsync(V1Deployment d, List<V1ReplicaSet> rsList, CancellationToken cancellationToken)
    {
        var (newRs, oldRss) = await ReplicaSetsAndSyncRevisionAsync(d, rsList, create: true, cancellationToken);
        var all = AllOf(newRs, oldRss);
        if (await ReconcileNewReplicaSetAsync(all, newRs!, d, cancellationToken))
        {
            await SyncRolloutStatusAsync(all, newRs, d, cancellationToken);
            return;
        }

        if (await ReconcileOldReplicaSetsAsync(all, oldRss.Where(IsActive).ToList(), newRs!, d, cancellationToken))
        {
            await SyncRolloutStatusAsync(all, newRs, d, cancellationToken);
            return;
        }

        if (IsComplete(d, d.Status ?? new V1DeploymentStatus()))
        {
            await CleanupAsync(oldRss, d, cancellationToken);
        }

        await SyncRolloutStatusAsync(all, newRs, d, cancellationToken);
    }

    private async Task RolloutRecreateAsync(V1Deployment d, List<V1ReplicaSet> rsList, CancellationToken cancellationToken)
    {
        var (newRs, oldRss) = await ReplicaSetsAndSyncRevisionAsync(d, rsList, create: false, cancellationToken);
        var scaledDown = false;
        foreach (var rs in oldRss.Where(IsActive))
        {
            scaledDown |= await ScaleReplicaSetAsync(rs, 0, d, cancellationToken);
        }

        if (scaledDown || OldPodsRunning(newRs, oldRss))
        {
            await SyncRolloutStatusAsync(AllOf(newRs, oldRss), newRs, d, cancellationToken);
            return;
        }

        if (newRs is null)
        {
            (newRs, oldRss) = await ReplicaSetsAndSyncRevisionAsync(d, rsList, create: true, cancellationToken);
        }

        await ScaleReplicaSetAsync(newRs!, Replicas(d), d, cancellationToken);
        if (IsComplete(d, d.Status ?? new V1DeploymentStatus()))
        {
            await CleanupAsync(oldRss, d, cancellationToken);
        }

        await SyncRolloutStatusAsync(AllOf(newRs, oldRss), newRs, d, cancellationToken);
    }

    /// <summary>Recreate waits until no pod of an old ReplicaSet is pending or running.</summary>
    private bool OldPodsRunning(V1ReplicaSet? newRs, List<V1ReplicaSet> oldRss)
    {
        if (oldRss.Sum(rs => rs.Status?.Replicas ?? 0) > 0)
        {
            return true;
        }

        return oldRss.Where(rs => rs.Metadata.Uid != newRs?.Metadata.Uid)
            .SelectMany(rs => _pods.Cache.ByIndex(Indexers.Owner, rs.Metadata.Uid))
            .Any(p => p.Status?.Phase is not ("Failed" or "Succeeded"));
    }

    private static List<V1ReplicaSet> AllOf(V1ReplicaSet? newRs, List<V1ReplicaSet> oldRss) =>
        newRs is null ? [.. oldRss] : [.. oldRss, newRs];

    private async Task<bool> ReconcileNewReplicaSetAsync(List<V1ReplicaSet> all, V1ReplicaSet newRs, V1Deployment d, CancellationToken cancellationToken)
    {
        if (Replicas(newRs) == Replicas(d))
        {
            return false;
        }

        if (Replicas(newRs) > Replicas(d))
        {
            return await ScaleReplicaSetAsync(newRs, Replicas(d), d, cancellationToken);
        }

        return await ScaleReplicaSetAsync(newRs, NewReplicaSetReplicas(d, all, newRs), d, cancellationToken);
    }

    private async Task<bool> ReconcileOldReplicaSetsAsync(List<V1ReplicaSet> all, List<V1ReplicaSet> oldRss, V1ReplicaSet newRs, V1Deployment d, CancellationToken cancellationToken)
    {
        if (oldRss.Sum(Replicas) == 0)
        {
            return false;
        }

        var minAvailable = Replicas(d) - MaxUnavailable(d);
        var newUnavailable = Replicas(newRs) - (newRs.Status?.AvailableReplicas ?? 0);
        var maxScaledDown = all.Sum(Replicas) - minAvailable - newUnavailable;
        if (maxScaledDown <= 0)
        {
            return false;
        }

        // First the old ReplicaSets' unhealthy pods (they count for nothing), then healthy ones down to minAvailable.
        var cleaned = 0;
        foreach (var rs in oldRss.OrderBy(r => r.Metadata.CreationTimestamp).ThenBy(r => r.Metadata.Name, StringComparer.Ordinal))
        {
            if (cleaned >= maxScaledDown)
            {
                break;
            }

            var available = rs.Status?.AvailableReplicas ?? 0;
            if (Replicas(rs) == 0 || Replicas(rs) == available)
            {
                continue;
            }

            var down = Math.Min(maxScaledDown - cleaned, Replicas(rs) - available);
            await ScaleReplicaSetAsync(rs, Replicas(rs) - down, d, cancellationToken);
            cleaned += down;
        }

        var scaled = await ScaleDownOldForRollingUpdateAsync(all, oldRss, d, cancellationToken);
        return cleaned + scaled > 0;
    }

    private async Task<int> ScaleDownOldForRollingUpdateAsync(List<V1ReplicaSet> all, List<V1ReplicaSet> oldRss, V1Deployment d, CancellationToken cancellationToken)
    {
        var minAvailable = Replicas(d) - MaxUnavailable(d);
        var available = all.Sum(rs => rs.Status?.AvailableReplicas ?? 0);
        if (available <= minAvailable)
        {
            return 0;
        }

        var total = available - minAvailable;
        var scaled = 0;
        foreach (var rs in oldRss.OrderBy(r => r.Metadata.CreationTimestamp).ThenBy(r => r.Metadata.Name, StringComparer.Ordinal))
        {
            if (scaled >= total)
            {
                break;
            }

            if (Replicas(rs) == 0)
            {
                continue;
            }

            var down = Math.Min(Replicas(rs), total - scaled);
            await ScaleReplicaSetAsync(rs, Replicas(rs) - down, d, cancellationToken);
            scaled += down;
        }

        return scaled;
    }

    // ------------------------------------------------------------------ scaling events and paused deployments

    private async Task<bool> IsScalingEventAsync(V1Deployment d, List<V1ReplicaSet> rsList, CancellationToken cancellationToken)
    {
        var (newRs, oldRss) = await ReplicaSetsAndSyncRevisionAsync(d, rsList, create: false, cancellationToken);
        return AllOf(newRs, oldRss).Where(IsActive).Any(rs => AnnotatedInt(rs, DesiredReplicasAnnotation) is { } desired && desired != Replicas(d));
    }

    private async Task SyncScaleAsync(V1Deployment d, List<V1ReplicaSet> rsList, CancellationToken cancellationToken)
    {
        var (newRs, oldRss) = await ReplicaSetsAndSyncRevisionAsync(d, rsList, create: false, cancellationToken);
        await ScaleAsync(d, newRs, oldRss, cancellationToken);
        if (d.Spec.Paused == true)
        {
            await CleanupAsync(oldRss, d, cancellationToken);
        }

        await SyncStatusOnlyAsync(d, newRs, oldRss, cancellationToken);
    }

    /// <summary>upstream's scale: one active ReplicaSet takes the new size; otherwise the change is shared in
    /// proportion to each ReplicaSet's size (leftover to the largest), so a rollout under way keeps its ratio.</summary>
    private async Task ScaleAsync(V1Deployment d, V1ReplicaSet? newRs, List<V1ReplicaSet> oldRss, CancellationToken cancellationToken)
    {
        var active = AllOf(newRs, oldRss).Where(IsActive).ToList();
        var single = active.Count switch
        {
            0 => newRs ?? oldRss.OrderByDescending(r => r.Metadata.CreationTimestamp).FirstOrDefault(),
            1 => active[0],
            _ => null,
        };
        if (single is not null)
        {
            if (Replicas(single) != Replicas(d))
            {
                await ScaleReplicaSetAsync(single, Replicas(d), d, cancellationToken);
            }

            return;
        }

        if (newRs is not null && Replicas(newRs) == Replicas(d) && (newRs.Status?.AvailableReplicas ?? 0) == Replicas(d))
        {
            foreach (var rs in oldRss.Where(IsActive))
            {
                await ScaleReplicaSetAsync(rs, 0, d, cancellationToken);
            }

            return;
        }

        if (!IsRollingUpdate(d))
        {
            return;
        }

        var allowed = Replicas(d) > 0 ? Replicas(d) + MaxSurge(d) : 0;
        var toAdd = allowed - active.Sum(Replicas);
        if (toAdd == 0)
        {
            return;
        }

        active = toAdd > 0
            ? [.. active.OrderByDescending(Replicas).ThenByDescending(r => r.Metadata.CreationTimestamp)]
            : [.. active.OrderByDescending(Replicas).ThenBy(r => r.Metadata.CreationTimestamp)];
        var sizes = new Dictionary<string, int>(StringComparer.Ordinal);
        var added = 0;
        foreach (var rs in active)
        {
            var proportion = Proportion(rs, d, toAdd, added);
            sizes[rs.Metadata.Name] = Replicas(rs) + proportion;
            added += proportion;
        }

        sizes[active[0].Metadata.Name] = Math.Max(0, sizes[active[0].Metadata.Name] + toAdd - added);
        foreach (var rs in active)
        {
            await ScaleReplicaSetAsync(rs, sizes[rs.Metadata.Name], d, cancellationToken);
        }
    }

    private static int Proportion(V1ReplicaSet rs, V1Deployment d, int toAdd, int added)
    {
        if (Replicas(rs) == 0 || toAdd == added)
        {
            return 0;
        }

        int fraction;
        if (Replicas(d) == 0)
        {
            fraction = -Replicas(rs);
        }
        else
        {
            var deploymentReplicas = Replicas(d) + MaxSurge(d);
            var annotated = AnnotatedInt(rs, MaxReplicasAnnotation) ?? (d.Status?.Replicas ?? 0);
            fraction = annotated == 0 ? 0 : (int)Math.Round((double)Replicas(rs) * deploymentReplicas / annotated, MidpointRounding.AwayFromZero) - Replicas(rs);
        }

        var allowed = toAdd - added;
        return toAdd > 0 ? Math.Min(fraction, allowed) : Math.Max(fraction, allowed);
    }

    private async Task CheckPausedConditionsAsync(V1Deployment d, CancellationToken cancellationToken)
    {
        if (!HasProgressDeadline(d))
        {
            return;
        }

        var condition = Condition(d.Status, "Progressing");
        if (condition?.Reason == "ProgressDeadlineExceeded")
        {
            return;
        }

        var pausedShown = condition?.Reason == "DeploymentPaused";
        var now = _time.GetUtcNow();
        d.Status ??= new V1DeploymentStatus();
        if (d.Spec.Paused == true && !pausedShown)
        {
            SetCondition(d.Status, NewCondition("Progressing", "Unknown", "DeploymentPaused", "Deployment is paused", now));
        }
        else if (d.Spec.Paused != true && pausedShown)
        {
            SetCondition(d.Status, NewCondition("Progressing", "Unknown", "DeploymentResumed", "Deployment is resumed", now));
        }
        else
        {
            return;
        }

        await WriteStatusAsync(d, cancellationToken);
    }

    /// <summary>Deletes the oldest fully scaled-down ReplicaSets beyond revisionHistoryLimit.</summary>
    private async Task CleanupAsync(List<V1ReplicaSet> oldRss, V1Deployment d, CancellationToken cancellationToken)
    {
        if (d.Spec.RevisionHistoryLimit is not { } limit)
        {
            return;
        }

        var cleanable = oldRss.Where(rs => rs.Metadata.DeletionTimestamp is null).ToList();
        var diff = cleanable.Count - limit;
        if (diff <= 0)
        {
            return;
        }

        foreach (var rs in cleanable.OrderBy(Revision).ThenBy(r => r.Metadata.CreationTimestamp).Take(diff))
        {
            if ((rs.Status?.Replicas ?? 0) != 0 || Replicas(rs) != 0 || (rs.Metadata.Generation ?? 0) > (rs.Status?.ObservedGeneration ?? 0))
            {
                continue;
            }

            try
            {
                await _api.DeleteAsync<V1ReplicaSet>(rs.Metadata.NamespaceProperty, rs.Metadata.Name, null, cancellationToken);
            }
            catch (ApiException e) when (e.IsNotFound)
            {
            }
        }
    }

    // ------------------------------------------------------------------ status

    private V1DeploymentStatus CalculateStatus(List<V1ReplicaSet> all, V1ReplicaSet? newRs, V1Deployment d)
    {
        var available = all.Sum(rs => rs.Status?.AvailableReplicas ?? 0);
        var total = all.Sum(Replicas);
        var status = new V1DeploymentStatus
        {
            ObservedGeneration = d.Metadata.Generation,
            Replicas = all.Sum(rs => rs.Status?.Replicas ?? 0),
            UpdatedReplicas = newRs?.Status?.Replicas ?? 0,
            ReadyReplicas = all.Sum(rs => rs.Status?.ReadyReplicas ?? 0),
            AvailableReplicas = available,
            UnavailableReplicas = Math.Max(0, total - available),
            CollisionCount = d.Status?.CollisionCount,
            Conditions = d.Status?.Conditions?.Select(c => c).ToList(),
        };
        var now = _time.GetUtcNow();
        SetCondition(status, available >= Replicas(d) - MaxUnavailable(d)
            ? NewCondition("Available", "True", "MinimumReplicasAvailable", "Deployment has minimum availability.", now)
            : NewCondition("Available", "False", "MinimumReplicasUnavailable", "Deployment does not have minimum availability.", now));
        return status;
    }

    private async Task SyncStatusOnlyAsync(V1Deployment d, V1ReplicaSet? newRs, List<V1ReplicaSet> oldRss, CancellationToken cancellationToken)
    {
        var status = CalculateStatus(AllOf(newRs, oldRss), newRs, d);
        if (!SameStatus(d.Status, status))
        {
            d.Status = status;
            await WriteStatusAsync(d, cancellationToken);
        }
    }

    private async Task SyncRolloutStatusAsync(List<V1ReplicaSet> all, V1ReplicaSet? newRs, V1Deployment d, CancellationToken cancellationToken)
    {
        var status = CalculateStatus(all, newRs, d);
        var now = _time.GetUtcNow();
        if (!HasProgressDeadline(d))
        {
            RemoveCondition(status, "Progressing");
        }

        var current = Condition(status, "Progressing");
        var complete = status.Replicas == status.UpdatedReplicas && current?.Reason == "NewReplicaSetAvailable";
        if (HasProgressDeadline(d) && !complete)
        {
            if (IsComplete(d, status))
            {
                var message = newRs is null ? $"Deployment \"{d.Metadata.Name}\" has successfully progressed." : $"ReplicaSet \"{newRs.Metadata.Name}\" has successfully progressed.";
                SetCondition(status, NewCondition("Progressing", "True", "NewReplicaSetAvailable", message, now));
            }
            else if (IsProgressing(d, status))
            {
                var message = newRs is null ? $"Deployment \"{d.Metadata.Name}\" is progressing." : $"ReplicaSet \"{newRs.Metadata.Name}\" is progressing.";
                var condition = NewCondition("Progressing", "True", "ReplicaSetUpdated", message, now);
                if (current?.Status == "True")
                {
                    condition.LastTransitionTime = current.LastTransitionTime;
                }

                RemoveCondition(status, "Progressing");
                SetCondition(status, condition);
            }
            else if (TimedOut(d, status, now))
            {
                var message = newRs is null ? $"Deployment \"{d.Metadata.Name}\" has timed out progressing." : $"ReplicaSet \"{newRs.Metadata.Name}\" has timed out progressing.";
                SetCondition(status, NewCondition("Progressing", "False", "ProgressDeadlineExceeded", message, now));
            }
        }

        var failure = all.SelectMany(rs => rs.Status?.Conditions ?? []).FirstOrDefault(c => c.Type == "ReplicaFailure" && c.Status == "True");
        if (failure is not null)
        {
            SetCondition(status, NewCondition("ReplicaFailure", failure.Status, failure.Reason, failure.Message, now));
        }
        else
        {
            RemoveCondition(status, "ReplicaFailure");
        }

        if (SameStatus(d.Status, status))
        {
            RequeueStuck(d, status, now);
            return;
        }

        d.Status = status;
        await WriteStatusAsync(d, cancellationToken);
    }

    private static bool TimedOut(V1Deployment d, V1DeploymentStatus status, DateTimeOffset now)
    {
        var condition = Condition(status, "Progressing");
        if (condition is null || condition.Reason == "NewReplicaSetAvailable")
        {
            return false;
        }

        if (condition.Reason == "ProgressDeadlineExceeded")
        {
            return true;
        }

        var from = condition.LastUpdateTime ?? condition.LastTransitionTime;
        return from is { } since && new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Utc)).AddSeconds(d.Spec.ProgressDeadlineSeconds ?? 600) < now;
    }

    /// <summary>A rollout that makes no progress is looked at again when its deadline passes.</summary>
    private void RequeueStuck(V1Deployment d, V1DeploymentStatus status, DateTimeOffset now)
    {
        var condition = Condition(status, "Progressing");
        if (!HasProgressDeadline(d) || condition is null || condition.Reason is "NewReplicaSetAvailable" or "ProgressDeadlineExceeded" || IsComplete(d, status))
        {
            return;
        }

        var since = condition.LastUpdateTime ?? condition.LastTransitionTime ?? now.UtcDateTime;
        var after = new DateTimeOffset(DateTime.SpecifyKind(since, DateTimeKind.Utc)).AddSeconds(d.Spec.ProgressDeadlineSeconds ?? 600) - now;
        var key = ObjectKeys.Of(d);
        if (after < TimeSpan.FromSeconds(1))
        {
            Queue.Add(key);
        }
        else
        {
            Queue.AddAfter(key, after + TimeSpan.FromSeconds(1));
        }
    }

    private static bool SameStatus(V1DeploymentStatus? a, V1DeploymentStatus b) =>
        a is not null && System.Text.Json.JsonSerializer.Serialize(a, Skiff.Api.Json.ModelJson.Options) == System.Text.Json.JsonSerializer.Serialize(b, Skiff.Api.Json.ModelJson.Options);

    // ------------------------------------------------------------------ event handlers

    private void OnReplicaSet(V1ReplicaSet rs)
    {
        var owner = ControllerRefs.ResolveController(rs.Metadata, Kind, (ns, name) => _deployments.Cache.Get(ns, name));
        if (owner is not null)
        {
            Queue.Add(ObjectKeys.Of(owner));
            return;
        }

        if (ControllerRefs.ControllerOf(rs.Metadata) is null)
        {
            foreach (var d in _deployments.Cache.List(rs.Metadata.NamespaceProperty))
            {
                if (Skiff.Api.Selection.LabelSelectors.Matches(d.Spec.Selector, rs.Metadata.Labels))
                {
                    Queue.Add(ObjectKeys.Of(d));
                }
            }
        }
    }

    /// <summary>Recreate waits for old pods to be gone: their deletion may be what it waits for.</summary>
    private void OnPodDeleted(V1Pod pod)
    {
        var rs = ControllerRefs.ResolveController(pod.Metadata, "ReplicaSet", (ns, name) => _replicaSets.Cache.Get(ns, name));
        if (rs is null)
        {
            return;
        }

        var d = ControllerRefs.ResolveController(rs.Metadata, Kind, (ns, name) => _deployments.Cache.Get(ns, name));
        if (d is not null && !IsRollingUpdate(d))
        {
            Queue.Add(ObjectKeys.Of(d));
        }
    }
}
