using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Api.Selection;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Informers;
using Skiff.Client.Queue;
using Skiff.Controllers.Common;
using Skiff.Controllers.History;

namespace Skiff.Controllers.StatefulSets;

/// <summary>
/// The StatefulSet controller (upstream's pkg/controller/statefulset): pods <c>name-0..n-1</c> with stable hostnames
/// under <c>spec.serviceName</c>, created and removed as <see cref="StatefulSetPlanner"/> decides, and status
/// (replicas, ready, available, current/updated, current/update revision) for <c>kubectl rollout status sts</c>.
/// Revisions are ControllerRevisions (<see cref="StatefulSetHistory"/>); a pod created below the partition gets the
/// current revision's template, any other the update revision's; pods carry the revision name in
/// <c>controller-revision-hash</c>. volumeClaimTemplates become each pod's PersistentVolumeClaims, created before the
/// pod and owned as persistentVolumeClaimRetentionPolicy says (<see cref="StatefulClaims"/>).
/// </summary>
public sealed class StatefulSetController : IDisposable
{
    private const string Kind = "StatefulSet";
    private const string ApiVersion = "apps/v1";

    private readonly IApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IEventRecorder _events;
    private readonly SharedInformer<V1StatefulSet> _sets;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly SharedInformer<V1ControllerRevision> _revisions;
    private readonly SharedInformer<V1PersistentVolumeClaim> _claimInformer;
    private readonly StatefulClaims _claims;
    private readonly StatefulSetHistory _history;
    private readonly List<IHandlerRegistration> _registrations = [];

    public StatefulSetController(ComponentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _api = context.Api;
        _time = context.Time;
        _logger = context.Loggers.CreateLogger("Skiff.Controllers.StatefulSet");
        _events = context.Events.NewRecorder("statefulset-controller");
        _sets = context.Informers.Get<V1StatefulSet>();
        _pods = context.Informers.Get<V1Pod>();
        _revisions = context.Informers.Get<V1ControllerRevision>();
        _history = new StatefulSetHistory(_api);
        _claimInformer = context.Informers.Get<V1PersistentVolumeClaim>();
        _claims = new StatefulClaims(_api, _claimInformer.Cache, _events);
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_time), _time, "statefulset");
        _registrations.Add(_sets.AddEventHandler(new ResourceEventHandler<V1StatefulSet>
        {
            Added = (set, _) => Enqueue(set),
            Updated = (_, set) => Enqueue(set),
            Deleted = (set, _) => Enqueue(set),
        }));
        _registrations.Add(_pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Added = (pod, _) => OnPod(pod),
            Updated = (_, pod) => OnPod(pod),
            Deleted = (pod, _) => OnPod(pod),
        }));
        _registrations.Add(_revisions.AddEventHandler(new ResourceEventHandler<V1ControllerRevision>
        {
            Added = (revision, _) => OnOwned(revision.Metadata),
            Updated = (_, revision) => OnOwned(revision.Metadata),
            Deleted = (revision, _) => OnOwned(revision.Metadata),
        }));
    }

    public WorkQueue<string> Queue { get; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_sets.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken), _revisions.WaitForSyncAsync(cancellationToken),
            _claimInformer.WaitForSyncAsync(cancellationToken));
        await QueueWorkers.RunAsync(Queue, workers, SyncAsync, _logger, cancellationToken);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        Queue.Dispose();
    }

    public async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var set = _sets.Cache.GetByKey(key);
        if (set is null)
        {
            return;
        }

        var selector = set.Spec.Selector;
        var candidates = _pods.Cache.List(set.Metadata.NamespaceProperty);
        var pods = await OwnershipPatches.ClaimAsync(
            _api, set, ControllerRefs.For(set, ApiVersion, Kind), candidates,
            p => LabelSelectors.Matches(selector, p.Metadata.Labels) && StatefulPods.Ordinal(set, p) >= 0, cancellationToken);
        if (set.Metadata.DeletionTimestamp is not null)
        {
            // upstream only updates the status of a set being deleted (the garbage collector removes its pods).
            var updateName = set.Status?.UpdateRevision ?? string.Empty;
            await UpdateStatusAsync(set, pods, set.Status?.CurrentRevision ?? updateName, updateName, set.Status?.CollisionCount ?? 0, cancellationToken);
            return;
        }

        var owned = await OwnershipPatches.ClaimAsync(
            _api, set, ControllerRefs.For(set, ApiVersion, Kind), _revisions.Cache.List(set.Metadata.NamespaceProperty),
            r => LabelSelectors.Matches(selector, r.Metadata.Labels), cancellationToken);
        var revisions = await _history.ResolveAsync(set, owned, cancellationToken);
        var plan = StatefulSetPlanner.Compute(set, pods, revisions.Update.Metadata.Name);
        foreach (var ordinal in plan.Create)
        {
            await CreateAsync(set, ordinal, revisions, cancellationToken);
        }

        if (set.Spec.VolumeClaimTemplates is { Count: > 0 })
        {
            // Before a scaled-away pod goes, its claims get the owner whenScaled asks for.
            foreach (var pod in pods)
            {
                await _claims.ApplyRetentionAsync(set, pod, StatefulPods.Ordinal(set, pod), cancellationToken);
            }
        }

        foreach (var pod in plan.Delete)
        {
            await DeleteAsync(set, pod, cancellationToken);
        }

        await UpdateStatusAsync(set, pods, revisions.Current.Metadata.Name, revisions.Update.Metadata.Name, revisions.CollisionCount, cancellationToken);
        await _history.TruncateAsync(set, pods, owned, revisions, cancellationToken);
    }

    /// <summary>upstream's newVersionedStatefulSetPod: below the partition (or, without a rollingUpdate block, below
    /// the current replicas) a pod gets the current revision's template, otherwise the update revision's.</summary>
    private async Task CreateAsync(V1StatefulSet set, int ordinal, StatefulSetHistory.Revisions revisions, CancellationToken cancellationToken)
    {
        var start = set.Spec.Ordinals?.Start ?? 0;
        var rolling = set.Spec.UpdateStrategy?.Type is null or "RollingUpdate";
        var rollingUpdate = set.Spec.UpdateStrategy?.RollingUpdate;
        var useCurrent = (rolling && rollingUpdate is null && ordinal < start + (set.Status?.CurrentReplicas ?? 0))
            || (rollingUpdate is not null && ordinal < start + (rollingUpdate.Partition ?? 0));
        var revision = useCurrent ? revisions.Current : revisions.Update;
        var versioned = ObjectCopy.Clone(set);
        versioned.Spec.Template = ControllerHistory.TemplateOf(revision);
        var pod = StatefulPods.New(versioned, ordinal, revision.Metadata.Name, ControllerRefs.For(set, ApiVersion, Kind));
        try
        {
            // The pod's claims first (upstream's CreateStatefulPod): a pod never starts without its storage objects.
            await _claims.CreateMissingAsync(set, pod, ordinal, cancellationToken);
        }
        catch (StatefulClaimsException e)
        {
            _events.Event(set, EventTypes.Warning, "FailedCreate", $"create Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} failed error: {e.Message}");
            throw;
        }

        try
        {
            await _api.CreateAsync(pod, cancellationToken);
            _events.Event(set, EventTypes.Normal, "SuccessfulCreate", $"create Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} successful");
        }
        catch (ApiException e) when (e.IsAlreadyExists)
        {
            // The cache had not seen it yet; the next sync does.
        }
        catch (ApiException e)
        {
            _events.Event(set, EventTypes.Warning, "FailedCreate", $"create Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} failed error: {e.Message}");
            throw;
        }
    }

    private async Task DeleteAsync(V1StatefulSet set, V1Pod pod, CancellationToken cancellationToken)
    {
        try
        {
            await _api.DeleteAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, null, cancellationToken);
            _events.Event(set, EventTypes.Normal, "SuccessfulDelete", $"delete Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} successful");
        }
        catch (ApiException e) when (e.IsNotFound)
        {
        }
        catch (ApiException e)
        {
            _events.Event(set, EventTypes.Warning, "FailedDelete", $"delete Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} failed error: {e.Message}");
            throw;
        }
    }

    /// <summary>upstream's status computation and completeRollingUpdate: once every pod is updated and ready, the
    /// update revision becomes the current one.</summary>
    private async Task UpdateStatusAsync(
        V1StatefulSet set, List<V1Pod> pods, string currentRevision, string updateRevision, int collisionCount, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var minReady = set.Spec.MinReadySeconds ?? 0;
        var live = pods.Where(p => p.Metadata.DeletionTimestamp is null && p.Status?.Phase is not ("Failed" or "Succeeded")).ToList();
        var status = new V1StatefulSetStatus
        {
            Replicas = live.Count,
            ReadyReplicas = live.Count(StatefulSetPlanner.IsRunningAndReady),
            AvailableReplicas = live.Count(p => StatefulSetPlanner.IsRunningAndReady(p) && PodStates.IsAvailable(p, minReady, now)),
            CurrentReplicas = live.Count(p => StatefulPods.Revision(p) == currentRevision),
            UpdatedReplicas = live.Count(p => StatefulPods.Revision(p) == updateRevision),
            CurrentRevision = currentRevision,
            UpdateRevision = updateRevision,
            ObservedGeneration = set.Metadata.Generation,
            CollisionCount = collisionCount,
            Conditions = set.Status?.Conditions,
        };
        var replicas = set.Spec.Replicas ?? 1;
        if (set.Spec.UpdateStrategy?.Type != "OnDelete" && status.UpdatedReplicas == replicas && status.ReadyReplicas == replicas && status.Replicas == replicas)
        {
            status.CurrentRevision = updateRevision;
            status.CurrentReplicas = status.UpdatedReplicas;
        }

        var old = set.Status ?? new V1StatefulSetStatus();
        if (old.Replicas == status.Replicas && old.ReadyReplicas == status.ReadyReplicas && old.AvailableReplicas == status.AvailableReplicas
            && old.CurrentReplicas == status.CurrentReplicas && old.UpdatedReplicas == status.UpdatedReplicas && old.CurrentRevision == status.CurrentRevision
            && old.UpdateRevision == status.UpdateRevision && old.ObservedGeneration == status.ObservedGeneration && old.CollisionCount == status.CollisionCount)
        {
            RequeueForMinReady(set, status);
            return;
        }

        var copy = ObjectCopy.Clone(set);
        copy.Status = status;
        try
        {
            await _api.UpdateStatusAsync(copy, cancellationToken);
        }
        catch (ApiException e) when (e.IsNotFound)
        {
            return;
        }

        RequeueForMinReady(set, status);
    }

    private void RequeueForMinReady(V1StatefulSet set, V1StatefulSetStatus status)
    {
        if (set.Spec.MinReadySeconds is > 0 and var seconds && status.ReadyReplicas > status.AvailableReplicas)
        {
            Queue.AddAfter(ObjectKeys.Of(set), TimeSpan.FromSeconds(seconds));
        }
    }

    private void Enqueue(V1StatefulSet set) => Queue.Add(ObjectKeys.Of(set));

    private void OnPod(V1Pod pod) => OnOwned(pod.Metadata);

    /// <summary>A pod or revision changed: its controller syncs, or for an orphan every set whose selector matches.</summary>
    private void OnOwned(V1ObjectMeta meta)
    {
        if (ControllerRefs.ResolveController(meta, Kind, (ns, name) => _sets.Cache.Get(ns, name)) is { } set)
        {
            Enqueue(set);
            return;
        }

        if (ControllerRefs.ControllerOf(meta) is null)
        {
            foreach (var candidate in _sets.Cache.List(meta.NamespaceProperty))
            {
                if (LabelSelectors.Matches(candidate.Spec.Selector, meta.Labels))
                {
                    Enqueue(candidate);
                }
            }
        }
    }
}
