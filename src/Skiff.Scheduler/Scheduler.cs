using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Informers;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;
using Skiff.Scheduler.Queue;

namespace Skiff.Scheduler;

/// <summary>
/// kube-scheduler's scheduling loop: watches pods and nodes through the shared informers, takes pending pods from
/// the <see cref="SchedulingQueue"/> one at a time, finds a node with <see cref="SchedulingAlgorithm"/>, assumes
/// the pod there in the <see cref="SchedulerCache"/> and binds it through <c>pods/binding</c> in the background
/// (so the next pod is placed at once). Pods no node fits get a <c>FailedScheduling</c> event and a False
/// <c>PodScheduled</c> condition, may preempt lower-priority pods, and wait for a cluster event.
/// </summary>
public sealed class Scheduler
{
    private readonly ComponentContext _context;
    private readonly SchedulerOptions _options;
    private readonly ILogger _logger;
    private readonly IEventRecorder _events;
    private readonly SchedulerCache _cache = new();
    private readonly CacheUpdates _updates;
    private readonly SchedulingQueue _queue;
    private readonly SchedulingAlgorithm _algorithm;
    private readonly Preemption _preemption;
    private readonly SemaphoreSlim _binds;

    public Scheduler(ComponentContext context, SchedulerOptions options)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _options = options;
        _logger = context.Loggers.CreateLogger("Skiff.Scheduler");
        _events = context.Events.NewRecorder(options.SchedulerName);
        _queue = new SchedulingQueue(context.Time);
        var volumes = new InformerVolumeObjects(
            context.Informers.Get<V1PersistentVolumeClaim>().Cache, context.Informers.Get<V1PersistentVolume>().Cache, context.Informers.Get<V1StorageClass>().Cache);
        var (filters, scorers) = SchedulingAlgorithm.DefaultPlugins(volumes);
        _algorithm = new SchedulingAlgorithm(filters, scorers, options.Parallelism, options.PercentageOfNodesToScore);
        _preemption = new Preemption(_algorithm);
        _binds = new SemaphoreSlim(options.BindConcurrency);
        _updates = new CacheUpdates(_cache);
    }

    public SchedulingQueue Queue => _queue;

    /// <summary>Pods bound so far (for tests and the benchmark's progress).</summary>
    public long Scheduled => Interlocked.Read(ref _scheduled);

    private long _scheduled;

    /// <summary>Watches, then schedules until cancelled.</summary>
    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var nodes = _context.Informers.Get<V1Node>();
        var pods = _context.Informers.Get<V1Pod>();
        using var nodeHandler = nodes.AddEventHandler(new ResourceEventHandler<V1Node>
        {
            Added = (n, _) => OnNodeAdded(n),
            Updated = OnNodeUpdated,
            Deleted = (n, _) => OnNodeDeleted(n),
        });
        using var podHandler = pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Added = (p, _) => OnPodAddedOrUpdated(p),
            Updated = (_, p) => OnPodAddedOrUpdated(p),
            Deleted = (p, _) => OnPodDeleted(p),
        });
        // A claim bound, a volume made available or a class created may let a waiting pod in (upstream's cluster
        // events for VolumeBinding).
        using var claimHandler = _context.Informers.Get<V1PersistentVolumeClaim>().AddEventHandler(new ResourceEventHandler<V1PersistentVolumeClaim>
        {
            Added = (_, initial) => OnStorageChanged(initial),
            Updated = (_, _) => OnStorageChanged(false),
        });
        using var volumeHandler = _context.Informers.Get<V1PersistentVolume>().AddEventHandler(new ResourceEventHandler<V1PersistentVolume>
        {
            Added = (_, initial) => OnStorageChanged(initial),
            Updated = (_, _) => OnStorageChanged(false),
        });
        using var classHandler = _context.Informers.Get<V1StorageClass>().AddEventHandler(new ResourceEventHandler<V1StorageClass>
        {
            Added = (_, initial) => OnStorageChanged(initial),
        });

        // Wait for the handlers, not just the informers: an informer is synced once its cache holds the first list, but
        // the scheduler's own node cache is fed by its handler, which may not have seen every node yet (a pod tried then
        // fails with "no nodes available").
        await Task.WhenAll(
            nodeHandler.WaitForSyncAsync(cancellationToken),
            podHandler.WaitForSyncAsync(cancellationToken),
            claimHandler.WaitForSyncAsync(cancellationToken),
            volumeHandler.WaitForSyncAsync(cancellationToken),
            classHandler.WaitForSyncAsync(cancellationToken));
        _logger.LogInformation("scheduler {Name} running", _options.SchedulerName);

        var flushes = _queue.RunFlushesAsync(cancellationToken);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var (queued, cycle) = await _queue.PopAsync(cancellationToken);
                await ScheduleOneAsync(queued, cycle, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            // Let in-flight bindings finish (or see the cancellation).
            for (var i = 0; i < _options.BindConcurrency; i++)
            {
                await _binds.WaitAsync(CancellationToken.None);
            }

            try
            {
                await flushes;
            }
            catch (OperationCanceledException)
            {
            }
        }
    }

    /// <summary>One pod through one scheduling cycle; binding continues in the background.</summary>
    internal async Task ScheduleOneAsync(QueuedPod queued, long cycle, CancellationToken cancellationToken)
    {
        var pod = queued.Pod;
        if (pod.Metadata.DeletionTimestamp is not null || !string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            _queue.Done(queued.Key);
            return;
        }

        var info = new PodInfo(pod);
        ScheduleResult result;
        PreemptionResult? preemption = null;
        lock (_cache.Lock)
        {
            _updates.ApplyPending();
            if (_cache.IsAssumedOrBound(info.Key))
            {
                _queue.Done(queued.Key);
                return;
            }

            var nodes = _cache.Nodes;
            result = _algorithm.Schedule(info, nodes, _cache.Indexes);
            if (result.Node is not null)
            {
                _cache.AssumePod(info, result.Node.Name);
            }
            else if (result.Diagnosis is not null)
            {
                preemption = _preemption.Find(info, nodes, result.Diagnosis);
            }
        }

        if (result.Node is { } node)
        {
            await _binds.WaitAsync(cancellationToken);
            _ = Task.Run(() => BindAsync(queued, info, node.Name, cancellationToken), CancellationToken.None);
            return;
        }

        await HandleFailureAsync(queued, cycle, result.Diagnosis!, preemption, cancellationToken);
    }

    private async Task BindAsync(QueuedPod queued, PodInfo info, string nodeName, CancellationToken cancellationToken)
    {
        try
        {
            var binding = new V1Binding
            {
                Metadata = new V1ObjectMeta { Name = info.Pod.Metadata.Name, NamespaceProperty = info.Namespace, Uid = info.Pod.Metadata.Uid },
                Target = new V1ObjectReference { Kind = "Node", ApiVersion = "v1", Name = nodeName },
            };
            await _context.Api.CreateSubresourceAsync<V1Pod, V1Binding, V1Status>(info.Namespace, info.Pod.Metadata.Name, "binding", binding, cancellationToken);
            Interlocked.Increment(ref _scheduled);
            _queue.Done(queued.Key);
            _events.Event(info.Pod, EventTypes.Normal, "Scheduled", $"Successfully assigned {info.Key} to {nodeName}");
        }
        catch (Exception e) when (e is ApiException or HttpRequestException or OperationCanceledException)
        {
            _updates.Apply(c => c.ForgetPod(info.Key));

            if (e is ApiException { IsNotFound: true } || cancellationToken.IsCancellationRequested)
            {
                _queue.Done(queued.Key);
            }
            else
            {
                _logger.LogWarning(e, "binding {Pod} to {Node} failed", info.Key, nodeName);
                _queue.AddUnschedulable(queued, long.MaxValue, retryable: true);
            }
        }
        finally
        {
            _binds.Release();
        }
    }

    private async Task HandleFailureAsync(QueuedPod queued, long cycle, Diagnosis diagnosis, PreemptionResult? preemption, CancellationToken cancellationToken)
    {
        var pod = queued.Pod;
        string? nominated = null;
        if (preemption?.Node is { } target)
        {
            nominated = target;
            foreach (var victim in preemption.Victims)
            {
                try
                {
                    _events.Event(victim.Pod, EventTypes.Normal, "Preempted", $"Preempted by pod {pod.Metadata.Uid} on node {target}");
                    await _context.Api.DeleteAsync<V1Pod>(victim.Namespace, victim.Pod.Metadata.Name, new V1DeleteOptions(), cancellationToken);
                }
                catch (ApiException e) when (e.IsNotFound)
                {
                }
            }
        }
        else
        {
            diagnosis.PostFilterMessage = preemption?.Message;
        }

        var message = diagnosis.Message;
        _events.Event(pod, EventTypes.Warning, "FailedScheduling", message);
        _queue.AddUnschedulable(queued, cycle);
        try
        {
            await PatchUnschedulableAsync(pod, message, nominated, cancellationToken);
        }
        catch (ApiException e) when (e.IsNotFound || e.IsConflict)
        {
        }
        catch (Exception e) when (e is ApiException or HttpRequestException)
        {
            _logger.LogWarning(e, "updating the PodScheduled condition of {Pod} failed", queued.Key);
        }
    }

    /// <summary>Sets <c>PodScheduled=False</c> (reason Unschedulable) and the nominated node, when they differ.</summary>
    private async Task PatchUnschedulableAsync(V1Pod pod, string message, string? nominatedNode, CancellationToken cancellationToken)
    {
        var current = pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled");
        if (current is { Status: "False", Reason: "Unschedulable" } && current.Message == message &&
            (nominatedNode is null || pod.Status?.NominatedNodeName == nominatedNode))
        {
            return;
        }

        var status = new JsonObject
        {
            ["conditions"] = new JsonArray(new JsonObject
            {
                ["type"] = "PodScheduled",
                ["status"] = "False",
                ["reason"] = "Unschedulable",
                ["message"] = message,
                ["lastProbeTime"] = null,
                ["lastTransitionTime"] = current?.Status == "False" && current.LastTransitionTime is { } t
                    ? t.ToUniversalTime().ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture)
                    : _context.Time.GetUtcNow().UtcDateTime.ToString("yyyy-MM-ddTHH:mm:ssZ", System.Globalization.CultureInfo.InvariantCulture),
            }),
        };
        if (nominatedNode is not null)
        {
            status["nominatedNodeName"] = nominatedNode;
        }

        var body = new JsonObject { ["status"] = status }.ToJsonString();
        await _context.Api.PatchAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, ApiPatch.StrategicMerge(body), cancellationToken, "status");
    }

    private bool IsOurs(V1Pod pod) =>
        (pod.Spec?.SchedulerName ?? SchedulerOptions.DefaultSchedulerName) == _options.SchedulerName;

    private void OnPodAddedOrUpdated(V1Pod pod)
    {
        if (!string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            _updates.Apply(c => c.AddOrUpdatePod(pod));

            _queue.Delete(ObjectKeys.Of(pod));
            if (pod.Status?.Phase is "Succeeded" or "Failed")
            {
                _queue.MoveAllToActiveOrBackoff(); // its resources are free again
            }

            return;
        }

        if (!IsOurs(pod) || pod.Status?.Phase is "Succeeded" or "Failed")
        {
            return;
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            _queue.Delete(ObjectKeys.Of(pod));
            return;
        }

        _queue.AddOrUpdate(pod);
    }

    private void OnPodDeleted(V1Pod pod)
    {
        var key = ObjectKeys.Of(pod);
        _queue.Delete(key);
        if (!string.IsNullOrEmpty(pod.Spec?.NodeName))
        {
            _updates.Apply(c => c.RemovePod(key));

            _queue.MoveAllToActiveOrBackoff();
        }
    }

    private void OnNodeAdded(V1Node node)
    {
        _updates.Apply(c => c.AddOrUpdateNode(node));

        _queue.MoveAllToActiveOrBackoff();
    }

    private void OnNodeUpdated(V1Node old, V1Node node)
    {
        _updates.Apply(c => c.AddOrUpdateNode(node));

        if (!ReferenceEquals(old, node) && SchedulingRelevantChange(old, node))
        {
            _queue.MoveAllToActiveOrBackoff();
        }
    }

    private void OnStorageChanged(bool initialList)
    {
        if (!initialList)
        {
            _queue.MoveAllToActiveOrBackoff();
        }
    }

    private void OnNodeDeleted(V1Node node)
    {
        _updates.Apply(c => c.RemoveNode(node.Metadata.Name));
    }

    /// <summary>Upstream moves pods on node changes that may make them fit (labels, taints, cordon, allocatable,
    /// readiness), not on heartbeats.</summary>
    private static bool SchedulingRelevantChange(V1Node old, V1Node node)
    {
        static string Taints(V1Node n) => string.Join(';', (n.Spec?.Taints ?? []).Select(t => $"{t.Key}={t.Value}:{t.Effect}"));
        static string Dict<T>(IDictionary<string, T>? d) => d is null ? string.Empty : string.Join(';', d.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
        return old.Spec?.Unschedulable != node.Spec?.Unschedulable
            || Taints(old) != Taints(node)
            || Dict(old.Metadata.Labels) != Dict(node.Metadata.Labels)
            || Dict(old.Status?.Allocatable) != Dict(node.Status?.Allocatable);
    }
}
