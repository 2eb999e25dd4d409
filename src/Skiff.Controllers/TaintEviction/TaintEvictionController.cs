using System.Collections.Concurrent;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Informers;
using Skiff.Client.Queue;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.TaintEviction;

/// <summary>
/// Upstream's taint-eviction-controller (pkg/controller/tainteviction): a pod on a node with NoExecute taints it does
/// not tolerate is deleted at once; one that tolerates them all for a while (<c>tolerationSeconds</c>, 300 s by the
/// DefaultTolerationSeconds admission for not-ready and unreachable) is deleted when the shortest of them has passed
/// since the controller saw the taints; one that tolerates them forever stays. Taints removed in time cancel it.
/// </summary>
public sealed class TaintEvictionController : IDisposable
{
    public const string EvictionReason = "TaintManagerEviction";
    public const string DisruptionTargetReason = "DeletionByTaintManager";
    public const string DisruptionTargetMessage = "Taint manager: deleting due to NoExecute taint";

    private readonly IApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IEventRecorder _events;
    private readonly SharedInformer<V1Node> _nodes;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly List<IHandlerRegistration> _registrations = [];

    /// <summary>Pod key → when its eviction was scheduled and when it fires.</summary>
    private readonly ConcurrentDictionary<string, (DateTimeOffset CreatedAt, DateTimeOffset FireAt)> _scheduled = new(StringComparer.Ordinal);

    public TaintEvictionController(ComponentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _api = context.Api;
        _time = context.Time;
        _logger = context.Loggers.CreateLogger("Skiff.Controllers.TaintEviction");
        _events = context.Events.NewRecorder("taint-eviction-controller");
        _nodes = context.Informers.Get<V1Node>();
        _pods = context.Informers.Get<V1Pod>();
        _pods.AddIndexer(Indexers.NodeName, Indexers.ByNodeName);
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_time), _time, "taint_eviction");
        _registrations.Add(_pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Added = (pod, _) => Queue.Add(ObjectKeys.Of(pod)),
            Updated = (old, pod) =>
            {
                if (MayChangeEviction(old, pod))
                {
                    Queue.Add(ObjectKeys.Of(pod));
                }
            },
            Deleted = (pod, _) => Queue.Add(ObjectKeys.Of(pod)),
        }));
        _registrations.Add(_nodes.AddEventHandler(new ResourceEventHandler<V1Node>
        {
            Added = (node, _) => EnqueuePodsOf(node.Metadata.Name),
            Updated = (old, node) =>
            {
                if (!NoExecuteTaints(old).SequenceEqual(NoExecuteTaints(node), TaintComparer.Instance))
                {
                    EnqueuePodsOf(node.Metadata.Name);
                }
            },
        }));
    }

    public WorkQueue<string> Queue { get; }

    /// <summary>Evictions waiting for their time, by pod key.</summary>
    public IReadOnlyDictionary<string, DateTimeOffset> Scheduled => _scheduled.ToDictionary(p => p.Key, p => p.Value.FireAt, StringComparer.Ordinal);

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_nodes.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken));
        await QueueWorkers.RunAsync(Queue, workers, SyncAsync, _logger, cancellationToken);
    }

    /// <summary>Whether an update can change what happens to the pod: its node, its tolerations or its deletion
    /// (upstream's PodUpdated looks at the first two). A kubelet's status writes change none of them.</summary>
    internal static bool MayChangeEviction(V1Pod old, V1Pod pod) =>
        old.Spec?.NodeName != pod.Spec?.NodeName
        || (old.Metadata.DeletionTimestamp is null) != (pod.Metadata.DeletionTimestamp is null)
        || !(old.Spec?.Tolerations ?? []).SequenceEqual(pod.Spec?.Tolerations ?? [], TolerationComparer.Instance);

    /// <summary>Decides about one pod: evict now, later (re-queued for then), or not at all.</summary>
    public async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var pod = _pods.Cache.GetByKey(key);
        if (pod is null || pod.Metadata.DeletionTimestamp is not null || string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            _scheduled.TryRemove(key, out _);
            return;
        }

        var node = _nodes.Cache.Get(null, pod.Spec.NodeName);
        var taints = node is null ? [] : NoExecuteTaints(node);
        if (taints.Count == 0)
        {
            Cancel(pod, key);
            return;
        }

        var now = _time.GetUtcNow();
        var (allTolerated, used) = TaintTolerations.Matching(taints, pod.Spec.Tolerations);
        if (!allTolerated)
        {
            await EvictAsync(pod, key, cancellationToken);
            return;
        }

        var min = TaintTolerations.MinTolerationTime(used);
        if (min < TimeSpan.Zero)
        {
            Cancel(pod, key);
            return;
        }

        // Counted from when the eviction was first scheduled, as upstream (a shorter toleration brings it forward).
        var createdAt = _scheduled.TryGetValue(key, out var existing) ? existing.CreatedAt : now;
        var fireAt = createdAt + min;
        _scheduled[key] = (createdAt, fireAt);
        if (fireAt <= now)
        {
            await EvictAsync(pod, key, cancellationToken);
            return;
        }

        Queue.AddAfter(key, fireAt - now);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        Queue.Dispose();
    }

    private static List<V1Taint> NoExecuteTaints(V1Node node) =>
        (node.Spec?.Taints ?? []).Where(t => t.Effect == "NoExecute").ToList();

    private void EnqueuePodsOf(string nodeName)
    {
        foreach (var pod in _pods.Cache.ByIndex(Indexers.NodeName, nodeName))
        {
            Queue.Add(ObjectKeys.Of(pod));
        }
    }

    private void Cancel(V1Pod pod, string key)
    {
        if (_scheduled.TryRemove(key, out _))
        {
            _events.Event(pod, EventTypes.Normal, EvictionReason, $"Cancelling deletion of Pod {key}");
        }
    }

    /// <summary>Marks the pod with the DisruptionTarget condition, then deletes it (upstream's deletePodHandler).</summary>
    private async Task EvictAsync(V1Pod pod, string key, CancellationToken cancellationToken)
    {
        _events.Event(pod, EventTypes.Normal, EvictionReason, $"Marking for deletion Pod {key}");
        try
        {
            var copy = ObjectCopy.Clone(pod);
            copy.Status ??= new V1PodStatus();
            copy.Status.Conditions ??= [];
            if (!copy.Status.Conditions.Any(c => c.Type == "DisruptionTarget" && c.Status == "True"))
            {
                copy.Status.Conditions = copy.Status.Conditions.Where(c => c.Type != "DisruptionTarget").ToList();
                copy.Status.Conditions.Add(new V1PodCondition
                {
                    Type = "DisruptionTarget",
                    Status = "True",
                    Reason = DisruptionTargetReason,
                    Message = DisruptionTargetMessage,
                    LastTransitionTime = _time.GetUtcNow().UtcDateTime,
                });
                await _api.UpdateStatusAsync(copy, cancellationToken);
            }

            await _api.DeleteAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, null, cancellationToken);
            _scheduled.TryRemove(key, out _);
        }
        catch (ApiException e) when (e.IsNotFound)
        {
            _scheduled.TryRemove(key, out _);
        }
    }

    private sealed class TaintComparer : IEqualityComparer<V1Taint>
    {
        public static readonly TaintComparer Instance = new();

        public bool Equals(V1Taint? x, V1Taint? y) => x?.Key == y?.Key && x?.Value == y?.Value && x?.Effect == y?.Effect;

        public int GetHashCode(V1Taint obj) => HashCode.Combine(obj.Key, obj.Value, obj.Effect);
    }

    private sealed class TolerationComparer : IEqualityComparer<V1Toleration>
    {
        public static readonly TolerationComparer Instance = new();

        public bool Equals(V1Toleration? x, V1Toleration? y) =>
            x?.Key == y?.Key && x?.OperatorProperty == y?.OperatorProperty && x?.Value == y?.Value && x?.Effect == y?.Effect
            && x?.TolerationSeconds == y?.TolerationSeconds;

        public int GetHashCode(V1Toleration obj) => HashCode.Combine(obj.Key, obj.OperatorProperty, obj.Value, obj.Effect, obj.TolerationSeconds);
    }
}
