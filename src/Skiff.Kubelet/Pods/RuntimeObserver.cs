using Grpc.Core;
using Skiff.Cri.V1;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// Reads one pod's state from the runtime at the least cost that is still fresh. A sync starts from the pod's part of
/// a node-wide listing shared with the other workers (<see cref="RuntimeSnapshots"/>) that began after this observer's
/// last look, like the kubelet's PLEG relist; right after the worker acted, only what it changed is read (the status
/// of the sandbox it ran, of the containers it started or stopped). Exited containers and a ready sandbox's IP never
/// change, and a running container's status stays what it was while listings show it running, so those answers are
/// kept until a listing shows otherwise or the worker touches the container.
/// </summary>
public sealed class RuntimeObserver
{
    private readonly IRuntimeService runtime;
    private readonly string podUid;
    private readonly RuntimeSnapshots snapshots;
    private readonly Dictionary<string, ContainerStatus> finished = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ContainerStatus> running = new(StringComparer.Ordinal);
    private readonly Dictionary<string, string> sandboxIps = new(StringComparer.Ordinal);
    private long seen;

    public RuntimeObserver(IRuntimeService runtime, string podUid, RuntimeSnapshots snapshots)
    {
        ArgumentNullException.ThrowIfNull(snapshots);
        this.runtime = runtime;
        this.podUid = podUid;
        this.snapshots = snapshots;
        // The first look must see whatever ran for this pod before its worker existed (a restarted kubelet adopts it).
        seen = snapshots.Mark();
    }

    /// <summary>This pod's part of a node-wide listing that began after this observer's last look.</summary>
    public async Task<ObservedPod> ObserveAsync(CancellationToken cancellationToken)
    {
        var snapshot = await snapshots.NewerThanAsync(seen, cancellationToken);
        seen = snapshot.Generation;
        var sandboxes = snapshot.Sandboxes
            .Where(s => s.Labels.TryGetValue(KubeletLabels.PodUid, out var uid) && uid == podUid)
            .OrderByDescending(s => s.Metadata?.Attempt ?? 0)
            .ThenByDescending(s => s.CreatedAt)
            .ToList();
        foreach (var removed in sandboxIps.Keys.Where(id => !sandboxes.Exists(s => s.Id == id)).ToList())
        {
            sandboxIps.Remove(removed);
        }

        if (sandboxes.Count == 0)
        {
            return ObservedPod.Empty;
        }

        var sandbox = sandboxes[0];
        string? ip = null;
        if (sandbox.State == PodSandboxState.SandboxReady && !sandboxIps.TryGetValue(sandbox.Id, out ip))
        {
            try
            {
                ip = Remember(await runtime.PodSandboxStatusAsync(sandbox.Id, cancellationToken));
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
                return ObservedPod.Empty;
            }
        }

        var listed = snapshot.Containers.Where(c => c.PodSandboxId == sandbox.Id).ToList();
        var listedIds = listed.Select(c => c.Id).ToHashSet(StringComparer.Ordinal);
        foreach (var gone in finished.Keys.Concat(running.Keys).Where(id => !listedIds.Contains(id)).ToList())
        {
            Forget(gone);
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

    /// <summary>After an action whose outcome the worker cannot tell (a failed RunPodSandbox, stopping a finished
    /// pod): the pod's part of a listing that began after it.</summary>
    public Task<ObservedPod> ObserveAfterChangeAsync(CancellationToken cancellationToken)
    {
        seen = snapshots.Mark();
        return ObserveAsync(cancellationToken);
    }

    /// <summary>After RunPodSandbox succeeded: the new sandbox's own status is the whole pod, as the worker removed
    /// the older sandboxes before and a new sandbox has no containers.</summary>
    public async Task<ObservedPod> SandboxStartedAsync(string sandboxId, CancellationToken cancellationToken)
    {
        seen = snapshots.Mark();
        PodSandboxStatus status;
        try
        {
            status = await runtime.PodSandboxStatusAsync(sandboxId, cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            // Gone already (it died and something removed it): look at everything.
            return await ObserveAsync(cancellationToken);
        }

        var ip = Remember(status);
        var sandbox = new PodSandbox
        {
            Id = status.Id,
            Metadata = status.Metadata,
            State = status.State,
            CreatedAt = status.CreatedAt,
            RuntimeHandler = status.RuntimeHandler,
        };
        sandbox.Labels.Add(status.Labels);
        sandbox.Annotations.Add(status.Annotations);
        return new ObservedPod([sandbox], string.IsNullOrEmpty(ip) ? null : ip, []);
    }

    /// <summary>After the worker changed containers of <paramref name="observed"/>'s sandbox: reads the status of the
    /// ones it created, started or stopped, drops the ones it removed, and keeps the rest as observed.</summary>
    public async Task<ObservedPod> ContainersChangedAsync(
        ObservedPod observed, ContainerChanges changes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(observed);
        ArgumentNullException.ThrowIfNull(changes);
        if (changes.IsEmpty)
        {
            return observed;
        }

        seen = snapshots.Mark();
        var containers = observed.Containers
            .Where(c => !changes.Changed.Contains(c.Id) && !changes.Removed.Contains(c.Id))
            .ToList();
        foreach (var id in changes.Removed)
        {
            Forget(id);
        }

        foreach (var id in changes.Changed)
        {
            Forget(id);
            var status = await ReadAsync(id, cancellationToken);
            if (status is not null)
            {
                containers.Add(status);
            }
        }

        return observed.WithContainers(containers);
    }

    /// <summary>The sandbox's IP, kept while it is ready: the runtime sets it up before RunPodSandbox returns and
    /// never changes it (a host-network sandbox keeps having none).</summary>
    private string Remember(PodSandboxStatus status)
    {
        var ip = status.Network?.Ip ?? "";
        if (status.State == PodSandboxState.SandboxReady)
        {
            sandboxIps[status.Id] = ip;
        }

        return ip;
    }

    private void Forget(string containerId)
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

        var status = await ReadAsync(container.Id, cancellationToken);
        if (status is not null)
        {
            // Labels are what the kubelet reads identity from; the status may lack them in some runtimes.
            foreach (var (key, value) in container.Labels)
            {
                status.Labels.TryAdd(key, value);
            }
        }

        return status;
    }

    /// <summary>ContainerStatus, remembered while it cannot change; null when the container is gone.</summary>
    private async Task<ContainerStatus?> ReadAsync(string containerId, CancellationToken cancellationToken)
    {
        ContainerStatus status;
        try
        {
            status = await runtime.ContainerStatusAsync(containerId, cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }

        switch (status.State)
        {
            case ContainerState.ContainerExited:
                running.Remove(containerId);
                finished[containerId] = status;
                break;
            case ContainerState.ContainerRunning:
                running[containerId] = status;
                break;
        }

        return status;
    }
}
