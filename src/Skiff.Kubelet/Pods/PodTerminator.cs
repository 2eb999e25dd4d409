using Grpc.Core;
using Microsoft.Extensions.Logging;
using Skiff.Cri.V1;
using Skiff.Kubelet.Runtime;
using Skiff.Kubelet.Volumes;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// Tears a pod down on the host: stops its running containers with the grace period (in parallel), stops and
/// removes its sandboxes, and removes what the runtime leaves behind: the log directory, the pod's volume
/// directories and its cgroup directories.
/// </summary>
public sealed class PodTerminator(
    IRuntimeService runtime, VolumeManager volumes, PodPaths paths, CgroupCleaner cgroups, ILogger<PodTerminator> logger)
{
    /// <summary>The kubelet never gives a container less than this to stop, even for a zero grace period.</summary>
    public const long MinimumGracePeriodSeconds = 2;

    /// <summary>Stops every running container of the pod, waiting up to <paramref name="gracePeriodSeconds"/>.</summary>
    public async Task StopContainersAsync(string podUid, long gracePeriodSeconds, CancellationToken cancellationToken)
    {
        var filter = new ContainerFilter { State = new ContainerStateValue { State = ContainerState.ContainerRunning } };
        filter.LabelSelector[KubeletLabels.PodUid] = podUid;
        var running = await runtime.ListContainersAsync(filter, cancellationToken);
        await StopContainersAsync(running.Select(c => c.Id).ToList(), gracePeriodSeconds, cancellationToken);
    }

    /// <summary>Stops the given containers in parallel, waiting up to <paramref name="gracePeriodSeconds"/>; one that
    /// has exited or is gone meanwhile is no error.</summary>
    public async Task StopContainersAsync(
        IReadOnlyCollection<string> containerIds, long gracePeriodSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(containerIds);
        var grace = Math.Max(MinimumGracePeriodSeconds, gracePeriodSeconds);
        await Task.WhenAll(containerIds.Select(async id =>
        {
            try
            {
                await runtime.StopContainerAsync(id, grace, cancellationToken);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
            {
            }
        }));
    }

    /// <summary>Stops the pod's containers and sandboxes, removes them and cleans the host.</summary>
    public async Task TeardownAsync(
        string podUid, string namespaceName, string name, long gracePeriodSeconds, CancellationToken cancellationToken)
    {
        await StopContainersAsync(podUid, gracePeriodSeconds, cancellationToken);
        var filter = new PodSandboxFilter();
        filter.LabelSelector[KubeletLabels.PodUid] = podUid;
        foreach (var sandbox in await runtime.ListPodSandboxAsync(filter, cancellationToken))
        {
            await RemoveSandboxAsync(sandbox.Id, cancellationToken);
        }

        CleanupHost(podUid, namespaceName, name);
    }

    /// <summary>The same for a pod whose sandboxes and running containers the caller knows completely (its worker,
    /// the only one that runs them), without listing the runtime.</summary>
    public async Task TeardownAsync(
        string podUid,
        string namespaceName,
        string name,
        long gracePeriodSeconds,
        IReadOnlyCollection<string> sandboxIds,
        IReadOnlyCollection<string> runningContainerIds,
        CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandboxIds);
        await StopContainersAsync(runningContainerIds, gracePeriodSeconds, cancellationToken);
        foreach (var sandboxId in sandboxIds)
        {
            await RemoveSandboxAsync(sandboxId, cancellationToken);
        }

        CleanupHost(podUid, namespaceName, name);
    }

    public async Task RemoveSandboxAsync(string sandboxId, CancellationToken cancellationToken)
    {
        try
        {
            await runtime.StopPodSandboxAsync(sandboxId, cancellationToken);
            await runtime.RemovePodSandboxAsync(sandboxId, cancellationToken);
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
        }
    }

    public void CleanupHost(string podUid, string namespaceName, string name)
    {
        try
        {
            volumes.Cleanup(podUid);
            var logDir = paths.LogDir(namespaceName, name, podUid);
            if (Directory.Exists(logDir))
            {
                Directory.Delete(logDir, recursive: true);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning("cleaning the directories of pod {Uid} failed: {Error}", podUid, e.Message);
        }

        cgroups.RemovePodCgroups(podUid);
    }
}
