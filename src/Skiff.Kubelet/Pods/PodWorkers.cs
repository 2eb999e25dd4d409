using System.Collections.Concurrent;
using System.Threading.Channels;
using k8s.Models;
using Microsoft.Extensions.Logging;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// One worker per pod uid. Updates for a pod go into its own channel of capacity one (a newer update replaces an
/// unread older one), so a busy pod never delays another and a burst of updates costs one sync. Each worker also
/// wakes every <see cref="KubeletOptions.PodResyncInterval"/> to notice container exits and run probes.
/// </summary>
public sealed class PodWorkers(PodSyncDependencies deps, StatusManager statusManager) : IAsyncDisposable
{
    private readonly ConcurrentDictionary<string, Worker> workers = new(StringComparer.Ordinal);
    private readonly CancellationTokenSource stopping = new();
    private readonly ILogger logger = deps.LoggerFactory.CreateLogger<PodWorkers>();

    public int Count => workers.Count;

    public bool IsKnown(string uid) => workers.ContainsKey(uid);

    /// <summary>The pod was added or changed (in the API, or in a static manifest when <paramref name="isStatic"/>).</summary>
    public void Update(V1Pod pod, bool isStatic = false)
    {
        ArgumentNullException.ThrowIfNull(pod);
        Worker worker;
        lock (workers)
        {
            // Under the lock so that two updates of a new pod never start two workers.
            worker = workers.GetOrAdd(pod.Metadata.Uid, uid => Start(uid, isStatic));
        }

        worker.Post(new PodWork(pod, Removed: false));
    }

    /// <summary>The pod is gone from its source (deleted from the API, force-deleted, or its manifest removed):
    /// tear it down.</summary>
    public void Remove(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (workers.TryGetValue(pod.Metadata.Uid, out var worker))
        {
            worker.Post(new PodWork(pod, Removed: true));
        }
    }

    /// <summary>Uids of the pods that have workers.</summary>
    public IReadOnlyCollection<string> Uids => workers.Keys.ToList();

    public async ValueTask DisposeAsync()
    {
        await stopping.CancelAsync();
        try
        {
            await Task.WhenAll(workers.Values.Select(w => w.Task));
        }
        catch (OperationCanceledException)
        {
        }

        stopping.Dispose();
    }

    private Worker Start(string uid, bool isStatic)
    {
        var worker = new Worker();
        worker.Task = Task.Run(() => RunAsync(uid, isStatic, worker, stopping.Token));
        return worker;
    }

    private async Task RunAsync(string uid, bool isStatic, Worker worker, CancellationToken cancellationToken)
    {
        var syncer = new PodSyncer(deps, uid);
        V1Pod? pod = null;
        var removed = false;
        var deletedFromApi = false;
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var work = await worker.NextAsync(deps.Options.PodResyncInterval, deps.Time, cancellationToken);
                if (work is not null)
                {
                    pod = work.Pod;
                    removed |= work.Removed;
                }

                if (pod is null)
                {
                    continue;
                }

                try
                {
                    if (removed)
                    {
                        if (!deletedFromApi)
                        {
                            // Gone from the API without our graceful path (force delete, or deleted while we were down).
                            await syncer.TerminateAsync(pod, PodSyncer.GracePeriod(pod), cancellationToken);
                        }

                        statusManager.Forget(uid);
                        return;
                    }

                    if (pod.Metadata.DeletionTimestamp is not null)
                    {
                        if (!deletedFromApi)
                        {
                            await syncer.TerminateAsync(pod, PodSyncer.GracePeriod(pod), cancellationToken);
                            statusManager.Forget(uid);
                            if (!isStatic)
                            {
                                await deps.Api.DeletePodAsync(
                                    pod.Metadata.NamespaceProperty ?? "default", pod.Metadata.Name, uid, 0, cancellationToken);
                            }

                            deletedFromApi = true;
                        }

                        continue;
                    }

                    if (work is null && syncer.TerminalPhase is not null)
                    {
                        // A finished pod never changes by itself; only a new update (e.g. deletion) matters.
                        continue;
                    }

                    var status = await syncer.SyncAsync(pod, cancellationToken);
                    statusManager.SetPodStatus(pod, status);
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested)
                {
                    logger.LogWarning(e, "syncing pod {Namespace}/{Name} failed; will retry",
                        pod.Metadata.NamespaceProperty, pod.Metadata.Name);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
        {
            // The kubelet is stopping in the middle of a CRI call; the next kubelet adopts the pod.
        }
        finally
        {
            lock (workers)
            {
                workers.TryRemove(uid, out _);
            }
        }
    }

    private sealed record PodWork(V1Pod Pod, bool Removed);

    private sealed class Worker
    {
        private readonly Channel<PodWork> channel = Channel.CreateBounded<PodWork>(
            new BoundedChannelOptions(1) { FullMode = BoundedChannelFullMode.DropOldest, SingleReader = true });

        private volatile bool removed;

        public Task Task { get; set; } = Task.CompletedTask;

        public void Post(PodWork work)
        {
            // Once removal is posted, later updates (stale relists) must not overwrite it.
            if (removed)
            {
                return;
            }

            removed = work.Removed;
            channel.Writer.TryWrite(work);
        }

        /// <summary>The next update, or null when <paramref name="resync"/> passed without one.</summary>
        public async Task<PodWork?> NextAsync(TimeSpan resync, TimeProvider time, CancellationToken cancellationToken)
        {
            if (channel.Reader.TryRead(out var ready))
            {
                return ready;
            }

            using var timeout = new CancellationTokenSource(resync, time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, timeout.Token);
            try
            {
                await channel.Reader.WaitToReadAsync(linked.Token);
                return channel.Reader.TryRead(out var work) ? work : null;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return null;
            }
        }
    }
}
