using System.Collections.Concurrent;
using System.Threading.Channels;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// The only writer of pod status. Pod workers hand it the latest status of each pod; one loop writes them through
/// pods/status, skipping a status equal to the last one written, coalescing several updates of a pod into one
/// write, and retrying a conflict with a fresh GET.
/// </summary>
public sealed class StatusManager(IApiClient api, ILogger<StatusManager> logger)
{
    private readonly ConcurrentDictionary<string, Entry> entries = new(StringComparer.Ordinal);
    private readonly Channel<string> dirty = Channel.CreateUnbounded<string>(new UnboundedChannelOptions { SingleReader = true });

    /// <summary>Records the status of <paramref name="pod"/> (identified by namespace, name and uid) to be written.</summary>
    public void SetPodStatus(V1Pod pod, V1PodStatus status)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(status);
        var uid = pod.Metadata.Uid;
        var json = KubernetesJson.Serialize(status);
        var entry = entries.GetOrAdd(uid, _ => new Entry());
        lock (entry)
        {
            entry.Namespace = pod.Metadata.NamespaceProperty ?? "default";
            entry.Name = pod.Metadata.Name;
            if (entry.PendingJson == json || (entry.PendingJson is null && entry.WrittenJson == json))
            {
                return;
            }

            entry.Pending = status;
            entry.PendingJson = json;
        }

        dirty.Writer.TryWrite(uid);
    }

    /// <summary>Routes the status of a static pod to its mirror pod in the API.</summary>
    public void SetTarget(string uid, string namespaceName, string name)
    {
        var entry = entries.GetOrAdd(uid, _ => new Entry());
        lock (entry)
        {
            entry.TargetNamespace = namespaceName;
            entry.TargetName = name;
        }
    }

    /// <summary>Stops writing status for a pod that is gone.</summary>
    public void Forget(string uid) => entries.TryRemove(uid, out _);

    /// <summary>The status last written for the pod, for tests and diagnostics.</summary>
    public V1PodStatus? LastWritten(string uid) =>
        entries.TryGetValue(uid, out var entry) && entry.WrittenJson is not null
            ? KubernetesJson.Deserialize<V1PodStatus>(entry.WrittenJson)
            : null;

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        await foreach (var uid in dirty.Reader.ReadAllAsync(cancellationToken))
        {
            if (!entries.TryGetValue(uid, out var entry))
            {
                continue;
            }

            V1PodStatus? status;
            string? json;
            string ns, name;
            bool mirror;
            lock (entry)
            {
                status = entry.Pending;
                json = entry.PendingJson;
                mirror = entry.TargetName is not null;
                ns = entry.TargetNamespace ?? entry.Namespace;
                name = entry.TargetName ?? entry.Name;
            }

            if (status is null)
            {
                continue;
            }

            try
            {
                var written = await WriteAsync(uid, ns, name, status, mirror, cancellationToken);
                lock (entry)
                {
                    if (written)
                    {
                        entry.WrittenJson = json;
                    }

                    if (entry.PendingJson == json)
                    {
                        entry.Pending = null;
                        entry.PendingJson = null;
                    }
                }
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning(e, "writing the status of pod {Namespace}/{Name} failed; will retry", ns, name);
                // The API server is struggling: pause all writes a little, then try this pod again.
                await Task.Delay(TimeSpan.FromSeconds(1), cancellationToken);
                dirty.Writer.TryWrite(uid);
            }
        }
    }

    private async Task<bool> WriteAsync(
        string uid, string ns, string name, V1PodStatus status, bool mirror, CancellationToken cancellationToken)
    {
        for (var attempt = 0; ; attempt++)
        {
            var pod = await api.GetAsync<V1Pod>(ns, name, cancellationToken);
            // A mirror pod has its own uid; a regular pod must still be the one we ran (not a namesake).
            if (pod is null || (!mirror && pod.Metadata.Uid != uid))
            {
                return false;
            }

            pod.Status = status;
            try
            {
                await api.UpdateStatusAsync(pod, cancellationToken);
                return true;
            }
            catch (ApiException e) when (e.IsConflict && attempt < 5)
            {
                // Someone else wrote the pod in between: read it again.
            }
            catch (ApiException e) when (e.IsNotFound)
            {
                return false;
            }
        }
    }

    private sealed class Entry
    {
        public string Namespace { get; set; } = "default";

        public string Name { get; set; } = "";

        public string? TargetNamespace { get; set; }

        public string? TargetName { get; set; }

        public V1PodStatus? Pending { get; set; }

        public string? PendingJson { get; set; }

        public string? WrittenJson { get; set; }
    }
}
