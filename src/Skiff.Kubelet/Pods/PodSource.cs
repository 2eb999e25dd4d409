using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Kubelet.Api;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// Lists and watches the pods bound to this node (<c>spec.nodeName=&lt;node&gt;</c>) and feeds them to the pod
/// workers. The watch resumes from the last resourceVersion seen; a 410 Gone means a fresh list, after which pods
/// that vanished meanwhile are removed. Mirror pods are skipped: their static pods run from the manifest.
/// </summary>
public sealed class PodSource(IKubeletApi api, PodWorkers workers, string nodeName, TimeProvider time, ILogger<PodSource> logger)
{
    private readonly Dictionary<string, V1Pod> known = new(StringComparer.Ordinal);
    private readonly TaskCompletionSource synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    /// <summary>Completes once the first list has been handed to the workers.</summary>
    public Task Synced => synced.Task;

    /// <summary>Uids of the API pods this source has handed out and not removed.</summary>
    public bool Has(string uid)
    {
        lock (known)
        {
            return known.ContainsKey(uid);
        }
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        var selector = $"spec.nodeName={nodeName}";
        var delay = TimeSpan.FromMilliseconds(200);
        while (!cancellationToken.IsCancellationRequested)
        {
            string resourceVersion;
            try
            {
                var list = await api.ListPodsAsync(selector, cancellationToken);
                Replace(list.Items ?? []);
                resourceVersion = list.Metadata?.ResourceVersion ?? "0";
                synced.TrySetResult();
                delay = TimeSpan.FromMilliseconds(200);
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                logger.LogWarning("listing pods of node {Node} failed: {Error}", nodeName, e.Message);
                await Task.Delay(delay, time, cancellationToken);
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromSeconds(5).Ticks));
                continue;
            }

            resourceVersion = await WatchAsync(selector, resourceVersion, cancellationToken);
        }
    }

    /// <summary>Watches until the version expires or errors repeat; returns to re-list.</summary>
    private async Task<string> WatchAsync(string selector, string resourceVersion, CancellationToken cancellationToken)
    {
        var failures = 0;
        while (!cancellationToken.IsCancellationRequested)
        {
            try
            {
                await foreach (var (type, pod) in api.WatchPodsAsync(selector, resourceVersion, cancellationToken))
                {
                    failures = 0;
                    if (!string.IsNullOrEmpty(pod.Metadata?.ResourceVersion))
                    {
                        resourceVersion = pod.Metadata.ResourceVersion;
                    }

                    switch (type)
                    {
                        case WatchEventType.Added:
                        case WatchEventType.Modified:
                            Upsert(pod);
                            break;
                        case WatchEventType.Deleted:
                            Delete(pod);
                            break;
                    }
                }
            }
            catch (WatchExpiredException)
            {
                logger.LogInformation("pod watch of node {Node} expired at {Version}; listing again", nodeName, resourceVersion);
                return resourceVersion;
            }
            catch (Exception e) when (e is not OperationCanceledException)
            {
                failures++;
                logger.LogWarning("pod watch of node {Node} failed: {Error}", nodeName, e.Message);
                if (failures >= 3)
                {
                    return resourceVersion;
                }

                await Task.Delay(TimeSpan.FromMilliseconds(200 * failures), time, cancellationToken);
            }
        }

        return resourceVersion;
    }

    private void Replace(IList<V1Pod> pods)
    {
        var current = new HashSet<string>(StringComparer.Ordinal);
        foreach (var pod in pods)
        {
            current.Add(pod.Metadata.Uid);
            Upsert(pod);
        }

        List<V1Pod> gone;
        lock (known)
        {
            gone = known.Values.Where(p => !current.Contains(p.Metadata.Uid)).ToList();
        }

        foreach (var pod in gone)
        {
            Delete(pod);
        }
    }

    private void Upsert(V1Pod pod)
    {
        if (IsMirror(pod))
        {
            return;
        }

        lock (known)
        {
            known[pod.Metadata.Uid] = pod;
        }

        workers.Update(pod);
    }

    private void Delete(V1Pod pod)
    {
        if (IsMirror(pod))
        {
            return;
        }

        lock (known)
        {
            known.Remove(pod.Metadata.Uid);
        }

        workers.Remove(pod);
    }

    public static bool IsMirror(V1Pod pod) =>
        pod?.Metadata?.Annotations?.ContainsKey(KubeletLabels.ConfigMirror) == true;
}
