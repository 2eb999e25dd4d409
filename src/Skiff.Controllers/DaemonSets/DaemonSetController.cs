using System.Globalization;
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
using Skiff.Controllers.Deployments;
using Skiff.Controllers.History;

namespace Skiff.Controllers.DaemonSets;

/// <summary>
/// The DaemonSet controller (upstream's pkg/controller/daemon): one pod per eligible node, pinned there by required
/// node affinity (the scheduler binds it), removed from nodes that stop being eligible or disappear; RollingUpdate
/// (maxUnavailable / maxSurge) or OnDelete; status for <c>kubectl rollout status ds</c>.
/// </summary>
public sealed class DaemonSetController : IDisposable
{
    /// <summary>upstream's BurstReplicas.</summary>
    public const int BurstReplicas = 250;

    private const string Kind = "DaemonSet";
    private const string ApiVersion = "apps/v1";

    private readonly IApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IEventRecorder _events;
    private readonly PodControl _podControl;
    private readonly SharedInformer<V1DaemonSet> _daemonSets;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly SharedInformer<V1Node> _nodes;
    private readonly SharedInformer<V1ControllerRevision> _revisions;
    private readonly DaemonSetHistory _history;
    private readonly List<IHandlerRegistration> _registrations = [];

    public DaemonSetController(ComponentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _api = context.Api;
        _time = context.Time;
        _logger = context.Loggers.CreateLogger("Skiff.Controllers.DaemonSet");
        _events = context.Events.NewRecorder("daemonset-controller");
        _podControl = new PodControl(_api, _events);
        _daemonSets = context.Informers.Get<V1DaemonSet>();
        _pods = context.Informers.Get<V1Pod>();
        _nodes = context.Informers.Get<V1Node>();
        _revisions = context.Informers.Get<V1ControllerRevision>();
        _history = new DaemonSetHistory(_api);
        Expectations = new ControllerExpectations(_time);
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_time), _time, "daemonset");
        _registrations.Add(_daemonSets.AddEventHandler(new ResourceEventHandler<V1DaemonSet>
        {
            Added = (ds, _) => Enqueue(ds),
            Updated = (_, ds) => Enqueue(ds),
            Deleted = (ds, _) =>
            {
                Expectations.Delete(ObjectKeys.Of(ds));
                Enqueue(ds);
            },
        }));
        _registrations.Add(_pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Added = (pod, _) => OnPodChanged(pod, added: true),
            Updated = (_, pod) => OnPodChanged(pod, added: false),
            Deleted = (pod, _) => OnPodDeleted(pod),
        }));
        // upstream's addHistory/updateHistory/deleteHistory: a revision's owner (or, for an orphan, every
        // DaemonSet whose selector matches it) is synced again.
        _registrations.Add(_revisions.AddEventHandler(new ResourceEventHandler<V1ControllerRevision>
        {
            Added = (revision, _) => OnRevision(revision),
            Updated = (_, revision) => OnRevision(revision),
            Deleted = (revision, _) => OnRevision(revision),
        }));
        // Any node change may change eligibility (labels, taints) or the set of nodes.
        _registrations.Add(_nodes.AddEventHandler(new ResourceEventHandler<V1Node>
        {
            Added = (_, _) => EnqueueAll(),
            Updated = (old, node) =>
            {
                if (old.Metadata.ResourceVersion != node.Metadata.ResourceVersion)
                {
                    EnqueueAll();
                }
            },
            Deleted = (_, _) => EnqueueAll(),
        }));
    }

    public WorkQueue<string> Queue { get; }

    public ControllerExpectations Expectations { get; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(
            _daemonSets.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken), _nodes.WaitForSyncAsync(cancellationToken),
            _revisions.WaitForSyncAsync(cancellationToken));
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
        var ds = _daemonSets.Cache.GetByKey(key);
        if (ds is null)
        {
            Expectations.Delete(key);
            return;
        }

        var selector = ds.Spec.Selector;
        var candidates = _pods.Cache.List(ds.Metadata.NamespaceProperty);
        var pods = await OwnershipPatches.ClaimAsync(
            _api, ds, ControllerRefs.For(ds, ApiVersion, Kind), candidates, p => LabelSelectors.Matches(selector, p.Metadata.Labels), cancellationToken);
        var nodes = _nodes.Cache.List(null);
        var nodeToPods = NodeToPods(pods);
        var hash = DeploymentUtil.ComputeHash(ds.Spec.Template, ds.Status?.CollisionCount);
        List<V1ControllerRevision> oldRevisions = [];
        if (ds.Metadata.DeletionTimestamp is null)
        {
            var revisions = await OwnershipPatches.ClaimAsync(
                _api, ds, ControllerRefs.For(ds, ApiVersion, Kind), _revisions.Cache.List(ds.Metadata.NamespaceProperty),
                r => LabelSelectors.Matches(selector, r.Metadata.Labels), cancellationToken);
            var (current, old) = await _history.ConstructAsync(ds, revisions, pods, cancellationToken);
            hash = ControllerHistory.Label(current.Metadata, DaemonPods.RevisionHashLabel) ?? hash;
            oldRevisions = old;
        }

        if (ds.Metadata.DeletionTimestamp is null && Expectations.Satisfied(key))
        {
            var (deletes, creates) = Manage(ds, nodes, nodeToPods, hash);
            if (deletes.Count == 0 && creates.Count == 0 && ds.Spec.UpdateStrategy?.Type != "OnDelete")
            {
                var eligible = EligibleNodeToPods(ds, nodes, nodeToPods);
                var plan = DaemonRollingUpdate.Compute(ds, eligible, eligible.Count, hash, _time.GetUtcNow());
                deletes = [.. plan.PodsToDelete];
                creates = [.. plan.NodesToCreate];
            }

            await SyncNodesAsync(key, ds, deletes, creates, hash, cancellationToken);
            await _history.CleanupAsync(ds, oldRevisions, pods, cancellationToken);
        }

        await UpdateStatusAsync(ds, nodes, nodeToPods, hash, cancellationToken);
    }

    /// <summary>upstream's manage / podsShouldBeOnNode: which nodes need a pod and which pods must go.</summary>
    private (List<V1Pod> Deletes, List<string> Creates) Manage(V1DaemonSet ds, IReadOnlyList<V1Node> nodes, Dictionary<string, List<V1Pod>> nodeToPods, string hash)
    {
        var deletes = new List<V1Pod>();
        var creates = new List<string>();
        var surge = ds.Spec.UpdateStrategy?.Type != "OnDelete" && DaemonRollingUpdate.Limits(ds, 1).MaxSurge > 0;
        var known = new HashSet<string>(StringComparer.Ordinal);
        foreach (var node in nodes)
        {
            known.Add(node.Metadata.Name);
            var (shouldRun, shouldContinue) = DaemonEligibility.Evaluate(node, DaemonPodSpec(ds));
            var daemonPods = nodeToPods.GetValueOrDefault(node.Metadata.Name) ?? [];
            if (shouldRun && daemonPods.Count == 0)
            {
                creates.Add(node.Metadata.Name);
            }
            else if (shouldContinue)
            {
                var running = new List<V1Pod>();
                foreach (var pod in daemonPods.Where(p => p.Metadata.DeletionTimestamp is null))
                {
                    if (pod.Status?.Phase == "Failed")
                    {
                        _events.Event(ds, EventTypes.Warning, "FailedDaemonPod",
                            $"Found failed daemon pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} on node {node.Metadata.Name}, will try to kill it");
                        deletes.Add(pod);
                    }
                    else
                    {
                        running.Add(pod);
                    }
                }

                deletes.AddRange(Extras(running, surge, hash, ds.Metadata.Generation));
            }
            else
            {
                deletes.AddRange(daemonPods.Where(p => p.Metadata.DeletionTimestamp is null));
            }
        }

        // Pods for nodes that no longer exist (or were never bound to one).
        foreach (var (node, pods) in nodeToPods)
        {
            if (!known.Contains(node))
            {
                deletes.AddRange(pods.Where(p => p.Metadata.DeletionTimestamp is null));
            }
        }

        return (deletes, creates);
    }

    /// <summary>More than one daemon pod on a node: keep the oldest (with surge, the oldest new and the oldest old).</summary>
    private static IEnumerable<V1Pod> Extras(List<V1Pod> running, bool surge, string hash, long? generation)
    {
        if (running.Count <= 1)
        {
            return [];
        }

        var ordered = DaemonPods.OldestFirst(running).ToList();
        if (!surge)
        {
            return ordered.Skip(1);
        }

        var keptNew = false;
        var keptOld = false;
        var extras = new List<V1Pod>();
        foreach (var pod in ordered)
        {
            if (DaemonPods.IsUpdated(pod, hash, generation))
            {
                if (!keptNew)
                {
                    keptNew = true;
                    continue;
                }
            }
            else if (!keptOld)
            {
                keptOld = true;
                continue;
            }

            extras.Add(pod);
        }

        return extras;
    }

    private static Dictionary<string, List<V1Pod>> EligibleNodeToPods(V1DaemonSet ds, IReadOnlyList<V1Node> nodes, Dictionary<string, List<V1Pod>> nodeToPods)
    {
        var spec = DaemonPodSpec(ds);
        return nodes.Where(n => DaemonEligibility.Evaluate(n, spec).ShouldRun)
            .ToDictionary(n => n.Metadata.Name, n => nodeToPods.GetValueOrDefault(n.Metadata.Name) ?? [], StringComparer.Ordinal);
    }

    private static Dictionary<string, List<V1Pod>> NodeToPods(IEnumerable<V1Pod> pods)
    {
        var map = new Dictionary<string, List<V1Pod>>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            var node = DaemonPods.TargetNode(pod) ?? string.Empty;
            if (!map.TryGetValue(node, out var list))
            {
                map[node] = list = [];
            }

            list.Add(pod);
        }

        return map;
    }

    /// <summary>The template's pod spec with the daemon tolerations: what eligibility is judged on.</summary>
    private static V1PodSpec DaemonPodSpec(V1DaemonSet ds)
    {
        var spec = ds.Spec.Template?.Spec is { } s ? ObjectCopy.Clone(s) : new V1PodSpec();
        DaemonPodTolerations.AddTo(spec);
        return spec;
    }

    private async Task SyncNodesAsync(string key, V1DaemonSet ds, List<V1Pod> deletes, List<string> creates, string hash, CancellationToken cancellationToken)
    {
        if (deletes.Count == 0 && creates.Count == 0)
        {
            return;
        }

        creates = creates.Take(BurstReplicas).ToList();
        deletes = deletes.DistinctBy(p => p.Metadata.Uid).Take(BurstReplicas).ToList();
        Expectations.ExpectDeletions(key, deletes.Select(ObjectKeys.Of));
        Expectations.ExpectCreations(key, creates.Count);
        var next = 0;
        var (succeeded, createError) = await SlowStart.RunAsync(
            creates.Count, ct => CreatePodAsync(ds, creates[Interlocked.Increment(ref next) - 1], hash, ct), cancellationToken);
        for (var skipped = creates.Count - succeeded; skipped > 0; skipped--)
        {
            Expectations.CreationObserved(key);
        }

        var errors = await BoundedCalls.RunAsync(deletes, SlowStart.MaxInFlight, (pod, ct) => DeletePodAsync(key, ds, pod, ct), cancellationToken);
        if ((createError ?? errors.FirstOrDefault(e => e is not null)) is { } error)
        {
            throw error;
        }
    }

    private async Task CreatePodAsync(V1DaemonSet ds, string nodeName, string hash, CancellationToken cancellationToken)
    {
        var template = ds.Spec.Template;
        var labels = template?.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : [];
        labels[DaemonPods.RevisionHashLabel] = hash;
        if (ds.Metadata.Generation is { } generation)
        {
            labels[DaemonPods.TemplateGenerationLabel] = generation.ToString(CultureInfo.InvariantCulture);
        }

        var spec = DaemonPodSpec(ds);
        DaemonPods.PinToNode(spec, nodeName);
        await _podControl.CreateAsync(ds, PodControl.FromTemplate(template, ds, ControllerRefs.For(ds, ApiVersion, Kind), labels, spec), cancellationToken);
    }

    private Task<Exception?> DeletePodAsync(string key, V1DaemonSet ds, V1Pod pod, CancellationToken cancellationToken) =>
        _podControl.DeleteAsync(ds, pod, Expectations, key, cancellationToken);

    /// <summary>upstream's updateDaemonSetStatus, counted per node from the oldest daemon pod there.</summary>
    private async Task UpdateStatusAsync(V1DaemonSet ds, IReadOnlyList<V1Node> nodes, Dictionary<string, List<V1Pod>> nodeToPods, string hash, CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        var spec = DaemonPodSpec(ds);
        var minReady = ds.Spec.MinReadySeconds ?? 0;
        int desired = 0, current = 0, misscheduled = 0, ready = 0, available = 0, updated = 0;
        foreach (var node in nodes)
        {
            var shouldRun = DaemonEligibility.Evaluate(node, spec).ShouldRun;
            var pods = nodeToPods.GetValueOrDefault(node.Metadata.Name) ?? [];
            var scheduled = pods.Count > 0;
            if (!shouldRun)
            {
                misscheduled += scheduled ? 1 : 0;
                continue;
            }

            desired++;
            if (!scheduled)
            {
                continue;
            }

            current++;
            var pod = DaemonPods.OldestFirst(pods).First();
            if (PodStates.IsReady(pod))
            {
                ready++;
                available += PodStates.IsAvailable(pod, minReady, now) ? 1 : 0;
            }

            updated += DaemonPods.IsUpdated(pod, hash, ds.Metadata.Generation) ? 1 : 0;
        }

        var old = ds.Status ?? new V1DaemonSetStatus();
        var status = new V1DaemonSetStatus
        {
            DesiredNumberScheduled = desired,
            CurrentNumberScheduled = current,
            NumberMisscheduled = misscheduled,
            NumberReady = ready,
            NumberAvailable = available,
            NumberUnavailable = desired - available,
            UpdatedNumberScheduled = updated,
            ObservedGeneration = ds.Metadata.Generation,
            CollisionCount = old.CollisionCount,
            Conditions = old.Conditions,
        };
        if (old.DesiredNumberScheduled == status.DesiredNumberScheduled && old.CurrentNumberScheduled == status.CurrentNumberScheduled
            && old.NumberMisscheduled == status.NumberMisscheduled && old.NumberReady == status.NumberReady
            && (old.NumberAvailable ?? 0) == status.NumberAvailable && (old.NumberUnavailable ?? 0) == status.NumberUnavailable
            && (old.UpdatedNumberScheduled ?? 0) == status.UpdatedNumberScheduled && old.ObservedGeneration == status.ObservedGeneration)
        {
            RequeueForMinReady(ds, ready, available);
            return;
        }

        var copy = ObjectCopy.Clone(ds);
        copy.Status = status;
        try
        {
            await _api.UpdateStatusAsync(copy, cancellationToken);
        }
        catch (ApiException e) when (e.IsNotFound)
        {
            return;
        }

        RequeueForMinReady(ds, ready, available);
    }

    private void RequeueForMinReady(V1DaemonSet ds, int ready, int available)
    {
        if (ds.Spec.MinReadySeconds is > 0 and var seconds && ready > available)
        {
            Queue.AddAfter(ObjectKeys.Of(ds), TimeSpan.FromSeconds(seconds));
        }
    }

    private void Enqueue(V1DaemonSet ds) => Queue.Add(ObjectKeys.Of(ds));

    private void EnqueueAll()
    {
        foreach (var ds in _daemonSets.Cache.List(null))
        {
            Enqueue(ds);
        }
    }

    private V1DaemonSet? OwnerOf(V1Pod pod) =>
        ControllerRefs.ResolveController(pod.Metadata, Kind, (ns, name) => _daemonSets.Cache.Get(ns, name));

    private void OnPodChanged(V1Pod pod, bool added)
    {
        if (pod.Metadata.DeletionTimestamp is not null)
        {
            OnPodDeleted(pod);
            return;
        }

        if (OwnerOf(pod) is { } ds)
        {
            if (added)
            {
                Expectations.CreationObserved(ObjectKeys.Of(ds));
            }

            Enqueue(ds);
            return;
        }

        if (ControllerRefs.ControllerOf(pod.Metadata) is null)
        {
            foreach (var candidate in _daemonSets.Cache.List(pod.Metadata.NamespaceProperty))
            {
                if (LabelSelectors.Matches(candidate.Spec.Selector, pod.Metadata.Labels))
                {
                    Enqueue(candidate);
                }
            }
        }
    }

    private void OnRevision(V1ControllerRevision revision)
    {
        if (ControllerRefs.ResolveController(revision.Metadata, Kind, (ns, name) => _daemonSets.Cache.Get(ns, name)) is { } ds)
        {
            Enqueue(ds);
            return;
        }

        if (ControllerRefs.ControllerOf(revision.Metadata) is null)
        {
            foreach (var candidate in _daemonSets.Cache.List(revision.Metadata.NamespaceProperty))
            {
                if (LabelSelectors.Matches(candidate.Spec.Selector, revision.Metadata.Labels))
                {
                    Enqueue(candidate);
                }
            }
        }
    }

    private void OnPodDeleted(V1Pod pod)
    {
        if (OwnerOf(pod) is { } ds)
        {
            Expectations.DeletionObserved(ObjectKeys.Of(ds), ObjectKeys.Of(pod));
            Enqueue(ds);
        }
    }
}
