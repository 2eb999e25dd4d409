using k8s;
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

namespace Skiff.Controllers.ReplicaSets;

/// <summary>
/// The ReplicaSet controller's logic (upstream's pkg/controller/replicaset) for any kind that keeps a number of pods:
/// keeps <c>spec.replicas</c> active pods matching the selector, creating in slow-start batches and deleting in
/// <see cref="PodDeletionOrder"/>, adopting orphans and releasing pods that stopped matching, and reports replicas /
/// fullyLabeled / ready / available in status. A kind plugs in by viewing its spec and status as a ReplicaSet's
/// (upstream runs the ReplicationController manager the same way, through conversion).
/// </summary>
/// <typeparam name="T">The kind: <see cref="V1ReplicaSet"/> or <see cref="V1ReplicationController"/>.</typeparam>
public abstract class ReplicaController<T> : IDisposable
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    /// <summary>upstream's BurstReplicas: at most this many creations or deletions per sync.</summary>
    public const int BurstReplicas = 500;

    /// <summary>
    /// How long a pod change that can move only the status counts (a pod bound, started, ready; a creation or deletion
    /// observed while more are still expected) waits to be synced together with the changes that follow it. A sync
    /// walks every pod of the ReplicaSet: at 30,000 pods each took 15-60 ms, and one per pod change kept a worker busy
    /// computing counts that the next change made stale. Upstream's Job controller batches its pod changes the same way
    /// (syncJobBatchPeriod, 1 s). A change that can move the pods to create or delete (a pod leaving the active set,
    /// labels or owner changing, the last expected creation or deletion seen) is synced at once.
    /// </summary>
    public static readonly TimeSpan StatusBatchPeriod = TimeSpan.FromMilliseconds(500);

    private readonly string _kind;
    private readonly string _apiVersion;
    private readonly IApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IEventRecorder _events;
    private readonly PodControl _podControl;
    private readonly SharedInformer<T> _replicaSets;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly List<IHandlerRegistration> _registrations = [];

    /// <param name="context">The process's API, informers, events and clock.</param>
    /// <param name="component">The event source and queue name (upstream's: <c>replicaset-controller</c>,
    /// <c>replication-controller</c>).</param>
    protected ReplicaController(ComponentContext context, string component)
    {
        ArgumentNullException.ThrowIfNull(context);
        var resource = ApiResource.For<T>();
        _kind = resource.Kind;
        _apiVersion = resource.ApiVersion;
        _api = context.Api;
        _time = context.Time;
        _logger = context.Loggers.CreateLogger("Skiff.Controllers." + resource.Kind);
        _events = context.Events.NewRecorder(component);
        _podControl = new PodControl(_api, _events);
        _replicaSets = context.Informers.Get<T>();
        _pods = context.Informers.Get<V1Pod>();
        _pods.AddIndexer(Indexers.ControllerUid, Indexers.ByControllerUid);
        Expectations = new ControllerExpectations(_time);
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_time), _time, component);
        _registrations.Add(_replicaSets.AddEventHandler(new ResourceEventHandler<T>
        {
            Added = (rs, _) => Enqueue(rs),
            Updated = OnUpdated,
            Deleted = (rs, _) =>
            {
                Expectations.Delete(ObjectKeys.Of(rs));
                Enqueue(rs);
            },
        }));
        _registrations.Add(_pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Added = (pod, _) => OnPodAdded(pod),
            Updated = OnPodUpdated,
            Deleted = (pod, _) => OnPodDeleted(pod),
        }));
    }

    public WorkQueue<string> Queue { get; }

    public ControllerExpectations Expectations { get; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_replicaSets.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken));
        await QueueWorkers.RunAsync(Queue, workers, SyncAsync, _logger, cancellationToken);
    }

    public void Dispose()
    {
        Dispose(true);
        GC.SuppressFinalize(this);
    }

    protected virtual void Dispose(bool disposing)
    {
        if (!disposing)
        {
            return;
        }

        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        Queue.Dispose();
    }

    /// <summary>The object's spec seen as a ReplicaSet's (a fresh object; the selector as a label selector).</summary>
    protected abstract V1ReplicaSetSpec SpecOf(T obj);

    /// <summary>The object's status seen as a ReplicaSet's, or null when it has none.</summary>
    protected abstract V1ReplicaSetStatus? StatusOf(T obj);

    /// <summary>Writes <paramref name="status"/> into <paramref name="obj"/> (a private copy) in the kind's own shape.</summary>
    protected abstract void SetStatus(T obj, V1ReplicaSetStatus status);

    public async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var rs = _replicaSets.Cache.GetByKey(key);
        if (rs is null)
        {
            Expectations.Delete(key);
            return;
        }

        var needsSync = Expectations.Satisfied(key);
        var spec = SpecOf(rs);
        var selector = spec.Selector;
        var controlled = _pods.Cache.ByIndex(Indexers.ControllerUid, rs.Metadata.Uid);
        var orphans = _pods.Cache.ByIndex(Indexers.ControllerUid, Indexers.OrphanKey(rs.Metadata.NamespaceProperty));
        var candidates = new List<V1Pod>(controlled.Count + orphans.Count);
        candidates.AddRange(controlled.Where(PodStates.IsActive));
        candidates.AddRange(orphans.Where(PodStates.IsActive));
        var pods = await OwnershipPatches.ClaimAsync(
            _api, rs, ControllerRefs.For(rs, _apiVersion, _kind), candidates, p => LabelSelectors.Matches(selector, p.Metadata.Labels), cancellationToken);

        Exception? manageError = null;
        if (needsSync && rs.Metadata.DeletionTimestamp is null)
        {
            try
            {
                await ManageReplicasAsync(key, rs, spec, pods, cancellationToken);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                manageError = e;
            }
        }

        var status = CalculateStatus(rs, spec, pods, manageError);
        var updated = StatusOf(await UpdateStatusAsync(rs, status, cancellationToken));
        var minReady = spec.MinReadySeconds ?? 0;
        if (manageError is null && minReady > 0 && updated?.ReadyReplicas == spec.Replicas && updated?.AvailableReplicas != spec.Replicas)
        {
            Queue.AddAfter(key, TimeSpan.FromSeconds(minReady));
        }

        if (manageError is not null)
        {
            throw manageError;
        }
    }

    private async Task ManageReplicasAsync(string key, T rs, V1ReplicaSetSpec spec, List<V1Pod> pods, CancellationToken cancellationToken)
    {
        var diff = pods.Count - (spec.Replicas ?? 1);
        if (diff < 0)
        {
            var create = Math.Min(-diff, BurstReplicas);
            Expectations.ExpectCreations(key, create);
            var (succeeded, error) = await SlowStart.RunAsync(create, ct => CreatePodAsync(rs, spec.Template, ct), cancellationToken);
            if (error is ApiException { IsNamespaceTerminating: true })
            {
                // Every creation would be refused and the namespace controller deletes this object soon. As upstream,
                // this is no failure and the creations stay expected until they expire, so no sync tries again
                // meanwhile; unlike upstream, the rest of the slow start is not sent to be refused.
                return;
            }

            for (var skipped = create - succeeded; skipped > 0; skipped--)
            {
                Expectations.CreationObserved(key);
            }

            if (error is not null)
            {
                throw error;
            }
        }
        else if (diff > 0)
        {
            var delete = Math.Min(diff, BurstReplicas);
            var related = RelatedPods(rs);
            var victims = PodDeletionOrder.PodsToDelete(pods, related, delete);
            Expectations.ExpectDeletions(key, victims.Select(ObjectKeys.Of));
            var errors = await BoundedCalls.RunAsync(victims, SlowStart.MaxInFlight, (pod, ct) => DeletePodAsync(key, rs, pod, ct), cancellationToken);
            if (errors.FirstOrDefault(e => e is not null) is { } error)
            {
                throw error;
            }
        }
    }

    /// <summary>Pods of every ReplicaSet with the same controller as <paramref name="rs"/> (a deployment's other
    /// ReplicaSets), for ranking by how crowded their node is.</summary>
    private List<V1Pod> RelatedPods(T rs)
    {
        var owner = ControllerRefs.ControllerOf(rs.Metadata);
        var siblings = owner is null
            ? [rs]
            : _replicaSets.Cache.ByIndex(Indexers.Owner, owner.Uid).Where(r => ControllerRefs.ControllerOf(r.Metadata)?.Uid == owner.Uid).ToList();
        return siblings.SelectMany(r => _pods.Cache.ByIndex(Indexers.Owner, r.Metadata.Uid)).Where(PodStates.IsActive).ToList();
    }

    private Task CreatePodAsync(T rs, V1PodTemplateSpec? template, CancellationToken cancellationToken) =>
        _podControl.CreateAsync(rs, PodControl.FromTemplate(template, rs, ControllerRefs.For(rs, _apiVersion, _kind)), cancellationToken);

    private Task<Exception?> DeletePodAsync(string key, T rs, V1Pod pod, CancellationToken cancellationToken) =>
        _podControl.DeleteAsync(rs, pod, Expectations, key, cancellationToken);

    private V1ReplicaSetStatus CalculateStatus(T rs, V1ReplicaSetSpec spec, List<V1Pod> pods, Exception? manageError)
    {
        var now = _time.GetUtcNow();
        var templateLabels = spec.Template?.Metadata?.Labels ?? new Dictionary<string, string>();
        var minReady = spec.MinReadySeconds ?? 0;
        // One pass: a ReplicaSet of 30,000 pods is walked on every sync, and each pod read is a few cache misses.
        int fullyLabeled = 0, ready = 0, available = 0;
        foreach (var pod in pods)
        {
            if (FullyLabeled(pod, templateLabels))
            {
                fullyLabeled++;
            }

            var condition = PodStates.ReadyCondition(pod);
            if (condition?.Status == "True")
            {
                ready++;
                if (PodStates.IsAvailable(condition, minReady, now))
                {
                    available++;
                }
            }
        }

        var status = new V1ReplicaSetStatus
        {
            Replicas = pods.Count,
            FullyLabeledReplicas = fullyLabeled,
            ReadyReplicas = ready,
            AvailableReplicas = available,
            ObservedGeneration = rs.Metadata.Generation,
            Conditions = StatusOf(rs)?.Conditions?.Where(c => c.Type != "ReplicaFailure").ToList(),
        };
        if (manageError is not null)
        {
            var reason = pods.Count < (spec.Replicas ?? 1) ? "FailedCreate" : "FailedDelete";
            status.Conditions ??= [];
            status.Conditions.Add(new V1ReplicaSetCondition
            {
                Type = "ReplicaFailure", Status = "True", Reason = reason, Message = manageError.Message, LastTransitionTime = now.UtcDateTime,
            });
        }

        if (status.Conditions is { Count: 0 })
        {
            status.Conditions = null;
        }

        return status;
    }

    private static bool FullyLabeled(V1Pod pod, IDictionary<string, string> templateLabels) =>
        LabelSelectors.HasAll(pod.Metadata.Labels, templateLabels);

    private async Task<T> UpdateStatusAsync(T rs, V1ReplicaSetStatus status, CancellationToken cancellationToken)
    {
        var old = StatusOf(rs) ?? new V1ReplicaSetStatus();
        if (old.Replicas == status.Replicas && old.FullyLabeledReplicas == status.FullyLabeledReplicas && old.ReadyReplicas == status.ReadyReplicas
            && old.AvailableReplicas == status.AvailableReplicas && old.ObservedGeneration == status.ObservedGeneration
            && (old.Conditions?.Count ?? 0) == (status.Conditions?.Count ?? 0))
        {
            return rs;
        }

        var copy = ObjectCopy.Clone(rs);
        SetStatus(copy, status);
        try
        {
            return await _api.UpdateStatusAsync(copy, cancellationToken);
        }
        catch (ApiException e) when (e.IsNotFound)
        {
            return rs;
        }
        catch (ApiException e) when (e.IsConflict)
        {
            // As upstream's updateReplicaSetStatus (statusUpdateRetries = 1): the cache had not shown this controller's
            // own last status write yet. Read the latest and write the computed status once more, rather than failing
            // the sync and walking every pod of the ReplicaSet again.
            if (await _api.GetAsync<T>(rs.Metadata.NamespaceProperty, rs.Metadata.Name, cancellationToken) is not { } latest)
            {
                return rs;
            }

            if (latest.Metadata.Uid != rs.Metadata.Uid)
            {
                throw;
            }

            SetStatus(latest, status);
            return await _api.UpdateStatusAsync(latest, cancellationToken);
        }
    }

    private void Enqueue(T rs) => Queue.Add(ObjectKeys.Of(rs));

    private void OnUpdated(T old, T rs)
    {
        // A status write (most often this controller's own, which each sync makes while pods change) moves nothing a
        // sync acts on: it waits with the pod changes. A new spec (a new generation), labels, owner or deletion is
        // synced at once.
        if (old.Metadata.Generation == rs.Metadata.Generation && old.Metadata.DeletionTimestamp == rs.Metadata.DeletionTimestamp
            && LabelSets.Equal(old.Metadata.Labels, rs.Metadata.Labels)
            && ControllerRefs.ControllerOf(old.Metadata)?.Uid == ControllerRefs.ControllerOf(rs.Metadata)?.Uid)
        {
            Queue.AddAfter(ObjectKeys.Of(rs), StatusBatchPeriod);
            return;
        }

        Enqueue(rs);
    }

    private T? OwnerOf(V1Pod pod) =>
        ControllerRefs.ResolveController(pod.Metadata, _kind, (ns, name) => _replicaSets.Cache.Get(ns, name));

    private void OnPodAdded(V1Pod pod)
    {
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            OnPodDeleted(pod);
            return;
        }

        if (ControllerRefs.ControllerOf(pod.Metadata) is not null)
        {
            if (OwnerOf(pod) is { } rs)
            {
                var key = ObjectKeys.Of(rs);
                Expectations.CreationObserved(key);
                EnqueueObserved(key);
            }

            return;
        }

        EnqueueMatching(pod);
    }

    private void OnPodUpdated(V1Pod old, V1Pod pod)
    {
        if (old.Metadata.ResourceVersion == pod.Metadata.ResourceVersion)
        {
            return;
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            // A pod being deleted no longer counts; the deletion is observed now (upstream does the same).
            OnPodDeleted(pod);
            return;
        }

        var oldOwner = ControllerRefs.ControllerOf(old.Metadata);
        var owner = ControllerRefs.ControllerOf(pod.Metadata);
        if (oldOwner is not null && oldOwner.Uid != owner?.Uid && OwnerOf(old) is { } previous)
        {
            Enqueue(previous);
        }

        if (owner is not null)
        {
            if (OwnerOf(pod) is { } rs)
            {
                if (owner.Uid == oldOwner?.Uid && PodStates.IsActive(old) == PodStates.IsActive(pod) && LabelSets.Equal(old.Metadata.Labels, pod.Metadata.Labels))
                {
                    Queue.AddAfter(ObjectKeys.Of(rs), StatusBatchPeriod);
                }
                else
                {
                    Enqueue(rs);
                }

                var minReady = SpecOf(rs).MinReadySeconds ?? 0;
                if (minReady > 0 && !PodStates.IsReady(old) && PodStates.IsReady(pod))
                {
                    Queue.AddAfter(ObjectKeys.Of(rs), TimeSpan.FromSeconds(minReady + 1));
                }
            }

            return;
        }

        EnqueueMatching(pod);
    }

    private void OnPodDeleted(V1Pod pod)
    {
        if (OwnerOf(pod) is { } rs)
        {
            var key = ObjectKeys.Of(rs);
            Expectations.DeletionObserved(key, ObjectKeys.Of(pod));
            EnqueueObserved(key);
        }
    }

    /// <summary>After a creation or deletion is observed: the one that completes the expectations lets the next batch
    /// start now; one of many still expected changes only the status.</summary>
    private void EnqueueObserved(string key)
    {
        if (Expectations.Satisfied(key))
        {
            Queue.Add(key);
        }
        else
        {
            Queue.AddAfter(key, StatusBatchPeriod);
        }
    }

    private void EnqueueMatching(V1Pod pod)
    {
        foreach (var rs in _replicaSets.Cache.List(pod.Metadata.NamespaceProperty))
        {
            if (LabelSelectors.Matches(SpecOf(rs).Selector, pod.Metadata.Labels))
            {
                Enqueue(rs);
            }
        }
    }
}
