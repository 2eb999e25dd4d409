using Grpc.Core;
using Skiff.Cri.V1;

namespace Skiff.Kubelet.Server;

/// <summary>
/// Finds a pod's sandbox and containers in the runtime by the labels the kubelet puts on sandboxes
/// (<c>io.kubernetes.pod.namespace</c>, <c>io.kubernetes.pod.name</c>) and the container's CRI metadata name (or its
/// <c>io.kubernetes.container.name</c> label).
/// </summary>
public sealed class PodContainerLocator
{
    public const string PodNamespaceLabel = "io.kubernetes.pod.namespace";
    public const string PodNameLabel = "io.kubernetes.pod.name";
    public const string ContainerNameLabel = "io.kubernetes.container.name";

    private readonly RuntimeService.RuntimeServiceClient _runtime;

    public PodContainerLocator(RuntimeService.RuntimeServiceClient runtime)
    {
        _runtime = runtime;
    }

    /// <summary>The pod's newest sandbox, ready ones first; 404 when the pod has none on this node.</summary>
    public async Task<PodSandbox> FindSandboxAsync(string podNamespace, string podName, CancellationToken cancellationToken)
    {
        var sandboxes = await SandboxesAsync(podNamespace, podName, cancellationToken);
        return sandboxes.FirstOrDefault()
            ?? throw new KubeletHttpException(404, $"pod \"{podName}\" in namespace \"{podNamespace}\" not found on this node");
    }

    /// <summary>
    /// Every runtime container named <paramref name="containerName"/> in the pod's sandboxes, newest attempt first
    /// (running before exited at the same attempt). Empty when there is none.
    /// </summary>
    public async Task<IReadOnlyList<Container>> FindContainersAsync(string podNamespace, string podName, string containerName, CancellationToken cancellationToken)
    {
        var result = new List<Container>();
        foreach (var sandbox in await SandboxesAsync(podNamespace, podName, cancellationToken))
        {
            var list = await CallAsync(() => _runtime.ListContainersAsync(new ListContainersRequest { Filter = new ContainerFilter { PodSandboxId = sandbox.Id } }, cancellationToken: cancellationToken).ResponseAsync);
            result.AddRange(list.Containers.Where(c => c.Metadata?.Name == containerName ||
                (c.Labels.TryGetValue(ContainerNameLabel, out var label) && label == containerName)));
        }

        return result
            .OrderByDescending(c => c.Metadata?.Attempt ?? 0)
            .ThenByDescending(c => c.State == ContainerState.ContainerRunning)
            .ThenByDescending(c => c.CreatedAt)
            .ToList();
    }

    /// <summary>The newest container of that name; 404 when the pod or the container is not on this node.</summary>
    public async Task<Container> FindContainerAsync(string podNamespace, string podName, string containerName, CancellationToken cancellationToken)
    {
        var containers = await FindContainersAsync(podNamespace, podName, containerName, cancellationToken);
        return containers.FirstOrDefault()
            ?? throw new KubeletHttpException(404, $"container \"{containerName}\" in pod \"{podName}\" not found");
    }

    public async Task<ContainerStatus?> StatusAsync(string containerId, CancellationToken cancellationToken)
    {
        try
        {
            var response = await _runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = containerId }, cancellationToken: cancellationToken);
            return response.Status;
        }
        catch (RpcException e) when (e.StatusCode == StatusCode.NotFound)
        {
            return null;
        }
    }

    private async Task<List<PodSandbox>> SandboxesAsync(string podNamespace, string podName, CancellationToken cancellationToken)
    {
        var filter = new PodSandboxFilter { LabelSelector = { [PodNamespaceLabel] = podNamespace, [PodNameLabel] = podName } };
        var response = await CallAsync(() => _runtime.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = filter }, cancellationToken: cancellationToken).ResponseAsync);
        return response.Items
            .OrderByDescending(s => s.State == PodSandboxState.SandboxReady)
            .ThenByDescending(s => s.CreatedAt)
            .ToList();
    }

    internal static async Task<T> CallAsync<T>(Func<Task<T>> call)
    {
        try
        {
            return await call();
        }
        catch (RpcException e)
        {
            throw new KubeletHttpException(e.StatusCode == StatusCode.NotFound ? 404 : 500, e.Status.Detail);
        }
    }
}
