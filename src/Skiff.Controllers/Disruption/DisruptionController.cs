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

namespace Skiff.Controllers.Disruption;

/// <summary>
/// Upstream's disruption controller (pkg/controller/disruption): keeps each PodDisruptionBudget's status —
/// expectedPods, currentHealthy, desiredHealthy, disruptionsAllowed, the DisruptionAllowed condition,
/// observedGeneration — and drops the evictions in <c>disruptedPods</c> whose pod deletion showed or timed out. The
/// eviction subresource reads this status to refuse evictions that would break a budget.
/// </summary>
public sealed class DisruptionController : IDisposable
{
    public const string ConditionType = "DisruptionAllowed";

    private readonly IApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IEventRecorder _events;
    private readonly SharedInformer<V1PodDisruptionBudget> _budgets;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly SharedInformer<V1ReplicaSet> _replicaSets;
    private readonly SharedInformer<V1Deployment> _deployments;
    private readonly List<IHandlerRegistration> _registrations = [];

    public DisruptionController(ComponentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _api = context.Api;
        _time = context.Time;
        _logger = context.Loggers.CreateLogger("Skiff.Controllers.Disruption");
        _events = context.Events.NewRecorder("controllermanager");
        _budgets = context.Informers.Get<V1PodDisruptionBudget>();
        _pods = context.Informers.Get<V1Pod>();
        _replicaSets = context.Informers.Get<V1ReplicaSet>();
        _deployments = context.Informers.Get<V1Deployment>();
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_time), _time, "disruption");
        _registrations.Add(_budgets.AddEventHandler(ResourceEventHandler<V1PodDisruptionBudget>.ForAny(pdb => Queue.Add(ObjectKeys.Of(pdb))), TimeSpan.FromSeconds(30)));
        _registrations.Add(_pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Added = (pod, _) => EnqueueBudgetsOf(pod),
            Updated = (old, pod) =>
            {
                EnqueueBudgetsOf(pod);
                EnqueueBudgetsOf(old);
            },
            Deleted = (pod, _) => EnqueueBudgetsOf(pod),
        }));
    }

    public WorkQueue<string> Queue { get; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(
            _budgets.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken),
            _replicaSets.WaitForSyncAsync(cancellationToken), _deployments.WaitForSyncAsync(cancellationToken));
        await QueueWorkers.RunAsync(Queue, workers, SyncAsync, _logger, cancellationToken);
    }

    public async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var pdb = _budgets.Cache.GetByKey(key);
        if (pdb is null)
        {
            return;
        }

        var pods = PodsOf(pdb);
        if (pods.Count == 0)
        {
            _events.Event(pdb, EventTypes.Normal, "NoPods", "No matching pods found");
        }

        var now = _time.GetUtcNow();
        int expected, desired;
        try
        {
            (expected, desired) = DisruptionBudgets.Expected(pdb.Spec ?? new V1PodDisruptionBudgetSpec(), pods.Count, () => ExpectedScale(pods));
        }
        catch (InvalidOperationException e)
        {
            _events.Event(pdb, EventTypes.Warning, "CalculateExpectedPodCountFailed", $"Failed to calculate the number of expected pods: {e.Message}");
            await WriteStatusAsync(pdb, StatusOf(pdb, 0, 0, 0, 0, new Dictionary<string, DateTime>(), now, ("False", "SyncFailed", e.Message)), cancellationToken);
            return;
        }

        var (disrupted, recheckAt) = DisruptionBudgets.PendingDisruptions(pdb.Status?.DisruptedPods, pods.ToDictionary(p => p.Metadata.Name, StringComparer.Ordinal), now);
        var healthy = DisruptionBudgets.CountHealthy(pods, disrupted);
        var allowed = DisruptionBudgets.DisruptionsAllowed(healthy, desired, expected);
        var condition = allowed > 0 ? ("True", "SufficientPods", string.Empty) : ("False", "InsufficientPods", string.Empty);
        await WriteStatusAsync(pdb, StatusOf(pdb, expected, healthy, desired, allowed, disrupted, now, condition), cancellationToken);
        if (recheckAt is { } at)
        {
            Queue.AddAfter(key, at - now);
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        Queue.Dispose();
    }

    /// <summary>The budget's pods: its namespace's pods matching its selector (an empty selector matches all, none
    /// matches nothing).</summary>
    private List<V1Pod> PodsOf(V1PodDisruptionBudget pdb) =>
        pdb.Spec?.Selector is { } selector
            ? _pods.Cache.List(pdb.Metadata.NamespaceProperty).Where(p => LabelSelectors.Matches(selector, p.Metadata.Labels)).ToList()
            : [];

    private void EnqueueBudgetsOf(V1Pod pod)
    {
        foreach (var pdb in _budgets.Cache.List(pod.Metadata.NamespaceProperty))
        {
            if (pdb.Spec?.Selector is { } selector && LabelSelectors.Matches(selector, pod.Metadata.Labels))
            {
                Queue.Add(ObjectKeys.Of(pdb));
            }
        }
    }

    /// <summary>The sum of the replicas of the pods' controllers, each counted once (upstream's getExpectedScale):
    /// a ReplicaSet counts its Deployment's replicas when it has one.</summary>
    private int ExpectedScale(List<V1Pod> pods)
    {
        var counted = new Dictionary<string, int>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            var owner = ControllerRefs.ControllerOf(pod.Metadata)
                ?? throw new InvalidOperationException($"found no controllers for pod \"{pod.Metadata.Name}\"");
            if (counted.ContainsKey(owner.Uid))
            {
                continue;
            }

            if (owner.Kind != "ReplicaSet" || _replicaSets.Cache.Get(pod.Metadata.NamespaceProperty, owner.Name) is not { } rs || rs.Metadata.Uid != owner.Uid)
            {
                throw new InvalidOperationException($"found no controllers for pod \"{pod.Metadata.Name}\"");
            }

            if (ControllerRefs.ControllerOf(rs.Metadata) is { Kind: "Deployment" } deploymentRef
                && _deployments.Cache.Get(rs.Metadata.NamespaceProperty, deploymentRef.Name) is { } deployment && deployment.Metadata.Uid == deploymentRef.Uid)
            {
                counted[owner.Uid] = 0;
                counted[deployment.Metadata.Uid] = deployment.Spec?.Replicas ?? 1;
            }
            else
            {
                counted[owner.Uid] = rs.Spec?.Replicas ?? 1;
            }
        }

        return counted.Values.Sum();
    }

    private static V1PodDisruptionBudgetStatus StatusOf(
        V1PodDisruptionBudget pdb, int expected, int healthy, int desired, int allowed, Dictionary<string, DateTime> disrupted, DateTimeOffset now,
        (string Status, string Reason, string Message) condition)
    {
        var old = pdb.Status?.Conditions?.FirstOrDefault(c => c.Type == ConditionType);
        var changed = old is null || old.Status != condition.Status || old.Reason != condition.Reason || (old.Message ?? string.Empty) != condition.Message;
        var conditions = (pdb.Status?.Conditions ?? []).Where(c => c.Type != ConditionType).ToList();
        conditions.Add(new V1Condition
        {
            Type = ConditionType,
            Status = condition.Status,
            Reason = condition.Reason,
            Message = condition.Message,
            ObservedGeneration = pdb.Metadata.Generation,
            LastTransitionTime = changed ? now.UtcDateTime : old!.LastTransitionTime,
        });
        return new V1PodDisruptionBudgetStatus
        {
            ExpectedPods = expected,
            CurrentHealthy = healthy,
            DesiredHealthy = desired,
            DisruptionsAllowed = allowed,
            DisruptedPods = disrupted.Count == 0 ? null : disrupted.ToDictionary(p => p.Key, p => (DateTime?)p.Value, StringComparer.Ordinal),
            ObservedGeneration = pdb.Metadata.Generation,
            Conditions = conditions,
        };
    }

    private async Task WriteStatusAsync(V1PodDisruptionBudget pdb, V1PodDisruptionBudgetStatus status, CancellationToken cancellationToken)
    {
        if (ModelJsonEquals(pdb.Status, status))
        {
            return;
        }

        var copy = ObjectCopy.Clone(pdb);
        copy.Status = status;
        try
        {
            await _api.UpdateStatusAsync(copy, cancellationToken);
        }
        catch (ApiException e) when (e.IsNotFound)
        {
        }
    }

    private static bool ModelJsonEquals(V1PodDisruptionBudgetStatus? a, V1PodDisruptionBudgetStatus b) =>
        a is not null && Skiff.Api.Json.ModelJson.Serialize(a).AsSpan().SequenceEqual(Skiff.Api.Json.ModelJson.Serialize(b));
}
