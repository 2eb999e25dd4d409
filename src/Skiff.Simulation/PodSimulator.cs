using System.Collections.Concurrent;
using System.Globalization;
using System.Net;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Queue;

namespace Skiff.Simulation;

/// <summary>
/// Drives every pod bound to a simulated node through the kubelet's status transitions, one merge patch of
/// <c>pods/status</c> each: Pending → Running and Ready with an address from the node's pod range; a
/// <c>restartPolicy: Never</c> pod with the <see cref="SimulationOptions.RunSecondsAnnotation"/> → Succeeded that
/// long after it started; a pod marked for deletion is removed (grace 0, uid precondition) once its
/// <c>deletionTimestamp</c> (the end of its grace period) has come. Pods are read from the shared pod informer.
/// </summary>
internal sealed class PodSimulator
{
    private readonly IApiClient _api;
    private readonly IReadOnlyCache<V1Pod> _pods;
    private readonly NodeSimulator _nodes;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;

    /// <summary>Pods this process started, by key: which pod (uid), on which node, since when. Keeps a second sync
    /// that reads a cache not yet showing the first patch from posting another start time.</summary>
    private readonly ConcurrentDictionary<string, (string Uid, SimulatedNode Node, DateTimeOffset Started)> _started = new(StringComparer.Ordinal);

    public PodSimulator(IApiClient api, IReadOnlyCache<V1Pod> pods, NodeSimulator nodes, TimeProvider time, ILogger logger)
    {
        _api = api;
        _pods = pods;
        _nodes = nodes;
        _time = time;
        _logger = logger;
        Queue = new WorkQueue<string>(new ExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(50), TimeSpan.FromSeconds(30)), time, "simulated-pods");
    }

    public WorkQueue<string> Queue { get; }

    /// <summary>The informer's notification: a pod bound to a simulated node (or one this process started) is queued.</summary>
    public void OnPod(V1Pod pod)
    {
        var key = ObjectKeys.Of(pod);
        if (_nodes.Find(pod.Spec?.NodeName) is not null || _started.ContainsKey(key))
        {
            Queue.Add(key);
        }
    }

    public async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var pod = _pods.GetByKey(key);
        if (_started.TryGetValue(key, out var known) && (pod is null || pod.Metadata.Uid != known.Uid))
        {
            // Gone, or replaced by a new pod of the same name: its address is free again.
            Forget(key);
        }

        if (pod is null || _nodes.Find(pod.Spec?.NodeName) is not { } node)
        {
            return;
        }

        var now = _time.GetUtcNow();
        if (pod.Metadata.DeletionTimestamp is { } deadline)
        {
            await CompleteDeletionAsync(key, pod, new DateTimeOffset(DateTime.SpecifyKind(deadline, DateTimeKind.Utc)), now, cancellationToken);
            return;
        }

        if (pod.Status?.Phase is "Succeeded" or "Failed")
        {
            Forget(key);
            return;
        }

        var started = _started.TryGetValue(key, out var record) && record.Uid == pod.Metadata.Uid ? record.Started : (DateTimeOffset?)null;
        if (!PodStatuses.IsRunningAndReady(pod) && started is null)
        {
            started = pod.Status?.StartTime is { } startTime ? new DateTimeOffset(DateTime.SpecifyKind(startTime, DateTimeKind.Utc)) : now;
            var address = AddressFor(key, pod, node);
            await _api.PatchForMetadataAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, StatusPatch.Of(PodStatuses.Running(pod, node, address, started.Value)), cancellationToken, "status");
            _started[key] = (pod.Metadata.Uid, node, started.Value);
        }
        else if (started is null)
        {
            // Running since before this process: adopt it.
            started = pod.Status?.StartTime is { } startTime ? new DateTimeOffset(DateTime.SpecifyKind(startTime, DateTimeKind.Utc)) : now;
            AddressFor(key, pod, node);
            _started[key] = (pod.Metadata.Uid, node, started.Value);
        }

        if (RunTime(pod) is not { } runTime)
        {
            return;
        }

        var finish = started.Value + runTime;
        if (now < finish)
        {
            Queue.AddAfter(key, finish - now);
            return;
        }

        await _api.PatchForMetadataAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, StatusPatch.Of(PodStatuses.Succeeded(pod, node, AddressFor(key, pod, node), started.Value, now)), cancellationToken, "status");
        Forget(key);
        _logger.LogDebug("simulated pod {Pod} on {Node} completed", key, node.Name);
    }

    /// <summary>How long a <c>restartPolicy: Never</c> pod runs, from its annotation; null to run until deleted.</summary>
    internal static TimeSpan? RunTime(V1Pod pod) =>
        pod.Spec?.RestartPolicy == "Never"
        && pod.Metadata.Annotations?.TryGetValue(SimulationOptions.RunSecondsAnnotation, out var text) == true
        && double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var seconds)
        && seconds >= 0 && seconds < TimeSpan.MaxValue.TotalSeconds
            ? TimeSpan.FromSeconds(seconds)
            : null;

    private async Task CompleteDeletionAsync(string key, V1Pod pod, DateTimeOffset deadline, DateTimeOffset now, CancellationToken cancellationToken)
    {
        if (now < deadline && pod.Metadata.DeletionGracePeriodSeconds is > 0)
        {
            Queue.AddAfter(key, deadline - now);
            return;
        }

        try
        {
            await _api.DeleteAsync<V1Pod>(
                pod.Metadata.NamespaceProperty,
                pod.Metadata.Name,
                new V1DeleteOptions { GracePeriodSeconds = 0, Preconditions = new V1Preconditions { Uid = pod.Metadata.Uid } },
                cancellationToken);
        }
        catch (ApiException e) when (e.IsNotFound || e.IsConflict)
        {
            // Already gone, or a new pod of that name: nothing of ours to remove.
        }

        Forget(key);
    }

    private IPAddress AddressFor(string key, V1Pod pod, SimulatedNode node)
    {
        if (pod.Spec?.HostNetwork == true)
        {
            return node.InternalIp;
        }

        var pool = node.Addresses;
        pool.SeedOnce(() => HeldAddresses(node));
        if (pod.Status?.PodIP is { Length: > 0 } reported && IPAddress.TryParse(reported, out var held))
        {
            pool.Adopt(key, held);
        }

        return pool.Assign(key)
            ?? throw new InvalidOperationException($"node {node.Name} has no free pod address left in {node.PodCidr}");
    }

    private IEnumerable<(string, IPAddress)> HeldAddresses(SimulatedNode node)
    {
        foreach (var pod in _pods.ByIndex(Indexers.NodeName, node.Name))
        {
            if (pod.Spec?.HostNetwork != true
                && pod.Status?.Phase is not ("Succeeded" or "Failed")
                && pod.Status?.PodIP is { Length: > 0 } text
                && IPAddress.TryParse(text, out var address))
            {
                yield return (ObjectKeys.Of(pod), address);
            }
        }
    }

    private void Forget(string key)
    {
        if (_started.TryRemove(key, out var record))
        {
            record.Node.Addresses.Release(key);
        }
    }
}
