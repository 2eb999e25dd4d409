using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Informers;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Plugins;
using Skiff.Scheduler.Queue;

namespace Skiff.Scheduler;

/// <summary>
/// One scheduling loop (upstream's scheduleOne): take the highest-priority pending pod, filter the nodes, score the
/// feasible ones, assume the pod onto the best, and bind it through <c>pods/binding</c> in the background while the
/// next pod is scheduled. A pod no node fits gets a FailedScheduling event and a False PodScheduled condition and
/// waits for a cluster event that could change that.
/// </summary>
public sealed class Scheduler
{
    private readonly SchedulerOptions _options;
    private readonly ComponentContext _context;
    private readonly ILogger _logger;
    private readonly IEventRecorder _events;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly SharedInformer<V1Node> _nodes;
    private readonly SemaphoreSlim _binds;
    private int _nextStartNode;

    public Scheduler(SchedulerOptions options, ComponentContext context)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(context);
        _options = options;
        _context = context;
        _logger = context.Loggers.CreateLogger("Skiff.Scheduler");
        _events = context.Events.NewRecorder(options.SchedulerName);
        _pods = context.Informers.Get<V1Pod>();
        _nodes = context.Informers.Get<V1Node>();
        _binds = new SemaphoreSlim(options.BindParallelism);
        Queue = new SchedulingQueue(context.Time, options.InitialBackoff, options.MaxBackoff, options.MaxInUnschedulable);
    }

    public SchedulerCache Cache { get; } = new();

    public SchedulingQueue Queue { get; }

    public IReadOnlyList<IFilterPlugin> Filters { get; } =
        [new NodeName(), new NodeUnschedulable(), new TaintToleration(), new NodeAffinity(), new NodePorts(), new NodeResourcesFit()];

    public IReadOnlyList<IScorePlugin> Scores { get; } =
        [new NodeResourcesFit(), new BalancedAllocation(), new TaintToleration(), new NodeAffinity()];

    /// <summary>Pods scheduled (bound) since start.</summary>
    public long Scheduled => Interlocked.Read(ref _scheduled);

    private long _scheduled;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        using var nodeEvents = _nodes.AddEventHandler(new ResourceEventHandler<V1Node>
        {
            Added = (node, _) => { Cache.UpsertNode(node); Queue.MoveAllToActiveOrBackoff(); },
            Updated = (old, node) =>
            {
                Cache.UpsertNode(node);
                if (SchedulingRelevantChange(old, node))
                {
                    Queue.MoveAllToActiveOrBackoff();
                }
            },
            Deleted = (node, _) => Cache.RemoveNode(node.Metadata.Name),
        });
        using var podEvents = _pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Added = (pod, _) => OnPod(pod),
            Updated = (_, pod) => OnPod(pod),
            Deleted = (pod, _) =>
            {
                var key = ObjectKeys.Of(pod);
                Cache.RemovePod(key);
                Queue.Remove(key);
                if (!string.IsNullOrEmpty(pod.Spec?.NodeName))
                {
                    Queue.MoveAllToActiveOrBackoff(); // its resources are free again
                }
            },
        });
        await Task.WhenAll(nodeEvents.WaitForSyncAsync(cancellationToken), podEvents.WaitForSyncAsync(cancellationToken));
        _logger.LogInformation("scheduler {Name} is running with {Nodes} nodes", _options.SchedulerName, Cache.NodeCount);

        using var flush = new PeriodicTimer(TimeSpan.FromMilliseconds(200), _context.Time);
        var flusher = FlushAsync(flush, cancellationToken);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var key = await Queue.PopAsync(cancellationToken);
                await ScheduleOneAsync(key, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }

        await flusher;
    }

    /// <summary>Schedules one pod by key; public for tests that drive the loop themselves.</summary>
    public async Task ScheduleOneAsync(string key, CancellationToken cancellationToken)
    {
        var pod = _pods.Cache.GetByKey(key);
        if (pod is null || !IsPending(pod) || Cache.IsAssumed(key))
        {
            Queue.Remove(key);
            return;
        }

        var candidate = new SchedulingPod(pod);
        var (node, failure) = SelectNode(candidate);
        if (node is null)
        {
            Queue.AddUnschedulable(key);
            _events.Event(pod, EventTypes.Warning, "FailedScheduling", failure!);
            await MarkUnschedulableAsync(pod, failure!, cancellationToken);
            return;
        }

        Cache.Assume(pod, node);
        await _binds.WaitAsync(cancellationToken);
        _ = BindAsync(pod, key, node, cancellationToken);
    }

    /// <summary>The best node for the pod, or the reason none fits.</summary>
    internal (string? Node, string? Failure) SelectNode(SchedulingPod pod)
    {
        using var _ = Cache.Read();
        var nodes = Cache.Nodes();
        if (nodes.Length == 0)
        {
            return (null, FailureMessage.Format(0, []));
        }

        var wanted = FeasibleNodesToFind(nodes.Length);
        var start = (int)((uint)Interlocked.Increment(ref _nextStartNode) % (uint)nodes.Length);
        var feasible = new List<NodeInfo>(Math.Min(wanted, nodes.Length));
        var failures = new List<IReadOnlyList<string>>();
        for (var i = 0; i < nodes.Length && feasible.Count < wanted; i++)
        {
            var node = nodes[(start + i) % nodes.Length];
            IReadOnlyList<string>? reasons = null;
            foreach (var filter in Filters)
            {
                reasons = filter.Filter(pod, node);
                if (reasons is not null)
                {
                    break;
                }
            }

            if (reasons is null)
            {
                feasible.Add(node);
            }
            else
            {
                failures.Add(reasons);
            }
        }

        if (feasible.Count == 0)
        {
            return (null, FailureMessage.Format(nodes.Length, failures));
        }

        if (feasible.Count == 1)
        {
            return (feasible[0].Name, null);
        }

        NodeInfo? best = null;
        var bestScore = long.MinValue;
        var ties = 0;
        foreach (var node in feasible)
        {
            long score = 0;
            foreach (var plugin in Scores)
            {
                score += plugin.Weight * plugin.Score(pod, node);
            }

            if (score > bestScore)
            {
                (best, bestScore, ties) = (node, score, 1);
            }
            else if (score == bestScore && Random.Shared.Next(++ties) == 0)
            {
                best = node; // reservoir choice among equal scores, as upstream's selectHost
            }
        }

        return (best!.Name, null);
    }

    /// <summary>percentageOfNodesToScore: stop filtering once this many nodes fit (upstream's numFeasibleNodesToFind).</summary>
    internal int FeasibleNodesToFind(int nodes)
    {
        const int minimum = 100;
        if (nodes < minimum)
        {
            return nodes;
        }

        var percentage = _options.PercentageOfNodesToScore;
        if (percentage <= 0)
        {
            percentage = Math.Max(5, 50 - (nodes / 125));
        }

        return Math.Max(minimum, nodes * percentage / 100);
    }

    private async Task BindAsync(V1Pod pod, string key, string node, CancellationToken cancellationToken)
    {
        try
        {
            var binding = new V1Binding
            {
                Metadata = new V1ObjectMeta { Name = pod.Metadata.Name, NamespaceProperty = pod.Metadata.NamespaceProperty, Uid = pod.Metadata.Uid },
                Target = new V1ObjectReference { ApiVersion = "v1", Kind = "Node", Name = node },
            };
            await _context.Api.CreateSubresourceAsync<V1Pod, V1Binding, V1Status>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, "binding", binding, cancellationToken);
            Queue.Done(key);
            Interlocked.Increment(ref _scheduled);
            _events.Event(pod, EventTypes.Normal, "Scheduled", $"Successfully assigned {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} to {node}");
        }
        catch (Exception e) when (e is ApiException || (e is OperationCanceledException && !cancellationToken.IsCancellationRequested))
        {
            Cache.Forget(key);
            if (e is ApiException { IsNotFound: true })
            {
                Queue.Remove(key);
                return;
            }

            _logger.LogWarning("binding {Pod} to {Node} failed: {Error}", key, node, e.Message);
            _events.Event(pod, EventTypes.Warning, "FailedScheduling", $"Binding rejected: {e.Message}");
            Queue.AddBackoff(key);
        }
        catch (OperationCanceledException)
        {
        }
        finally
        {
            _binds.Release();
        }
    }

    private async Task MarkUnschedulableAsync(V1Pod pod, string message, CancellationToken cancellationToken)
    {
        var current = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
        if (current is { Status: "False", Reason: "Unschedulable" } && current.Message == message)
        {
            return;
        }

        var now = _context.Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        var patch = System.Text.Json.JsonSerializer.Serialize(new
        {
            status = new
            {
                conditions = new[]
                {
                    new { type = "PodScheduled", status = "False", reason = "Unschedulable", message, lastProbeTime = (string?)null, lastTransitionTime = now },
                },
            },
        });
        try
        {
            await _context.Api.PatchAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, ApiPatch.StrategicMerge(patch), cancellationToken, "status");
        }
        catch (ApiException e)
        {
            _logger.LogDebug("marking {Pod} unschedulable failed: {Error}", ObjectKeys.Of(pod), e.Message);
        }
    }

    private void OnPod(V1Pod pod)
    {
        var key = ObjectKeys.Of(pod);
        if (!string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            Cache.UpsertPod(pod);
            Queue.Remove(key);
            return;
        }

        if (IsPending(pod))
        {
            Queue.Add(key, pod.Spec?.Priority ?? 0);
        }
        else
        {
            Queue.Remove(key);
        }
    }

    private bool IsPending(V1Pod pod) =>
        string.IsNullOrEmpty(pod.Spec?.NodeName)
        && pod.Metadata?.DeletionTimestamp is null
        && pod.Status?.Phase is not ("Succeeded" or "Failed")
        && (string.IsNullOrEmpty(pod.Spec?.SchedulerName) || pod.Spec.SchedulerName == _options.SchedulerName);

    private static bool SchedulingRelevantChange(V1Node old, V1Node node) =>
        old.Spec?.Unschedulable != node.Spec?.Unschedulable
        || !Same(old.Spec?.Taints?.Select(t => $"{t.Key}={t.Value}:{t.Effect}"), node.Spec?.Taints?.Select(t => $"{t.Key}={t.Value}:{t.Effect}"))
        || !Same(old.Metadata?.Labels?.Select(l => $"{l.Key}={l.Value}"), node.Metadata?.Labels?.Select(l => $"{l.Key}={l.Value}"))
        || !Same(old.Status?.Allocatable?.Select(a => $"{a.Key}={a.Value}"), node.Status?.Allocatable?.Select(a => $"{a.Key}={a.Value}"));

    private static bool Same(IEnumerable<string>? a, IEnumerable<string>? b) =>
        (a ?? []).Order(StringComparer.Ordinal).SequenceEqual((b ?? []).Order(StringComparer.Ordinal), StringComparer.Ordinal);

    private async Task FlushAsync(PeriodicTimer timer, CancellationToken cancellationToken)
    {
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                Queue.Flush();
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }
}
