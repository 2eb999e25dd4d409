using Grpc.Core;
using Skiff.Cri.V1;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// Reads one pod's state from the runtime. Exited containers and a ready sandbox's IP never change, so their
/// answers are cached: a steady pod costs one ListPodSandbox and one ListContainers per fresh observation, and nothing
/// but a share of the node-wide listing (<see cref="RuntimeSnapshots"/>) per periodic one.
/// </summary>
public sealed class RuntimeObserver(IRuntimeService runtime, string podUid, RuntimeSnapshots snapshots)
{
    private readonly Dictionary<string, ContainerStatus> finished = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ContainerStatus> running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> sandboxIps = new(StringComparer.Ordinal);
    private long seen;

    /// <summary>Lists this pod's sandboxes and containers now: what a worker needs right after it acted.</summary>
    public async Task<ObservedPod> ObserveAsync(CancellationToken cancellationToken)
    {
        seen = snapshots.Mark();
        var filter = new PodSandboxFilter();
        filter.LabelSelector[KubeletLabels.PodUid] = podUid;
        var sandboxes = await runtime.ListPodSandboxAsync(filter, cancellationToken);
        return await BuildAsync(
            sandboxes,
            async id => await runtime.ListContainersAsync(new ContainerFilter { PodSandboxId = id }, cancellationToken),
            cancellationToken);
    }

    /// <summary>This pod's part of a node-wide listing that began after this observer's last look: enough for a
    /// periodic resync, at a fraction of the runtime's work when many pods resync.</summary>
    public async Task<ObservedPod> ObserveSharedAsync(CancellationToken cancellationToken)
    {
        var snapshot = await snapshots.NewerThanAsync(seen, cancellationToken);
        seen = snapshot.Generation;
        var sandboxes = snapshot.Sandboxes
            .Where(s => s.Labels.TryGetValue(KubeletLabels.PodUid, out var uid) && uid == podUid)
            .ToList();
        return await BuildAsync(
            sandboxes,
            id => Task.FromResult<IReadOnlyList<Container>>(snapshot.Containers.Where(c => c.PodSandboxId == id).ToList()),
            cancellationToken);
    }

    private async Task<ObservedPod> BuildAsync(
        IReadOnlyList<PodSandbox> listedSandboxes,
        Func<string, Task<IReadOnlyList<Container>>> containersOf,
        CancellationToken cancellationToken)
    {
        var sandboxes = listedSandboxes
            .OrderByDescending(s => s.Metadata?.Attempt ?? 0)
            .ThenByDescending(s => s.CreatedAt)
            .ToList();
        if (sandboxes.Count == 0)
        {
            return ObservedPod.Empty;
        }

        var sandbox = sandboxes[0];
        string? ip = null;
        if (sandbox.State == PodSandboxState.SandboxReady)
        {
            if (!sandboxIps.TryGetValue(sandbox.Id, out ip))
            {
                try
                {
                    var status = await runtime.PodSandboxStatusAsync(sandbox.Id, cancellationToken);
                    ip = status.Network?.Ip ?? "";
                    if (ip.Length > 0)
                    {
                        sandboxIps[sandbox.Id] = ip;
                    }
                }
                catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
                {
                    return ObservedPod.Empty;
                }
            }
        }

        var listed = await containersOf(sandbox.Id);
        var listedIds = listed.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in finished.Keys.Concat(running.Keys).Where(id => !listedIds.Contains(id)).ToList())
        {
            Invalidate(gone);
        }

        var statuses = new List<ContainerStatus>(listed.Count);
        foreach (var container in listed)
        {
            var status = await StatusOfAsync(container, cancellationToken);
            if (status is not null)
            {
                statuses.Add(status);
            }
        }

        return new ObservedPod(sandboxes, string.IsNullOrEmpty(ip) ? null : ip, statuses);
    }

    /// <summary>Drops cached answers for a container, e.g. after the kubelet stopped it.</summary>
    public void Invalidate(string containerId)
    {
        running.Remove(containerId);
        finished.Remove(containerId);
    }

    private async Task<ContainerStatus?> StatusOfAsync(Container container, CancellationToken cancellationToken)
    {
        if (finished.TryGetValue(container.Id, out var done))
        {
            return done;
        }

        if (container.State == ContainerState.ContainerRunning && running.TryGetValue(container.Id, out var up))
        {
            return up;
        }

        ContainerStatus status;
        try
        {
            status = await runtime.ContainerStatusAsync(container.Id, cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }

        // Labels are what the kubelet reads identity from; the status may lack them in some runtimes.
        foreach (var (key, value) in container.Labels)
        {
            status.Labels.TryAdd(key, value);
        }

        switch (status.State)
        {
            case ContainerState.ContainerExited:
                running.Remove(container.Id);
                finished[container.Id] = status;
                break;
            case ContainerState.ContainerRunning:
                running[container.Id] = status;
                break;
        }

        return status;
    }
}
