using Skiff.Cri.V1;

namespace Skiff.Kubelet.Runtime;

/// <summary><see cref="IRuntimeService"/> over a CRI gRPC client.</summary>
public sealed class GrpcRuntimeService(RuntimeService.RuntimeServiceClient client) : IRuntimeService
{
    public async Task<VersionResponse> VersionAsync(CancellationToken cancellationToken) =>
        await client.VersionAsync(new VersionRequest { Version = "v1" }, cancellationToken: cancellationToken);

    public async Task<string> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken cancellationToken)
    {
        var response = await client.RunPodSandboxAsync(
            new RunPodSandboxRequest { Config = config }, cancellationToken: cancellationToken);
        return response.PodSandboxId;
    }

    public async Task StopPodSandboxAsync(string podSandboxId, CancellationToken cancellationToken) =>
        await client.StopPodSandboxAsync(
            new StopPodSandboxRequest { PodSandboxId = podSandboxId }, cancellationToken: cancellationToken);

    public async Task RemovePodSandboxAsync(string podSandboxId, CancellationToken cancellationToken) =>
        await client.RemovePodSandboxAsync(
            new RemovePodSandboxRequest { PodSandboxId = podSandboxId }, cancellationToken: cancellationToken);

    public async Task<PodSandboxStatus> PodSandboxStatusAsync(string podSandboxId, CancellationToken cancellationToken)
    {
        var response = await client.PodSandboxStatusAsync(
            new PodSandboxStatusRequest { PodSandboxId = podSandboxId }, cancellationToken: cancellationToken);
        return response.Status;
    }

    public async Task<IReadOnlyList<PodSandbox>> ListPodSandboxAsync(
        PodSandboxFilter? filter, CancellationToken cancellationToken)
    {
        var request = new ListPodSandboxRequest();
        if (filter is not null)
        {
            request.Filter = filter;
        }

        var response = await client.ListPodSandboxAsync(request, cancellationToken: cancellationToken);
        return response.Items;
    }

    public async Task<string> CreateContainerAsync(
        string podSandboxId, ContainerConfig config, PodSandboxConfig sandboxConfig, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(sandboxConfig);
        var response = await client.CreateContainerAsync(
            new CreateContainerRequest { PodSandboxId = podSandboxId, Config = config, SandboxConfig = sandboxConfig },
            cancellationToken: cancellationToken);
        return response.ContainerId;
    }

    public async Task StartContainerAsync(string containerId, CancellationToken cancellationToken) =>
        await client.StartContainerAsync(
            new StartContainerRequest { ContainerId = containerId }, cancellationToken: cancellationToken);

    public async Task StopContainerAsync(string containerId, long timeoutSeconds, CancellationToken cancellationToken) =>
        await client.StopContainerAsync(
            new StopContainerRequest { ContainerId = containerId, Timeout = timeoutSeconds },
            cancellationToken: cancellationToken);

    public async Task RemoveContainerAsync(string containerId, CancellationToken cancellationToken) =>
        await client.RemoveContainerAsync(
            new RemoveContainerRequest { ContainerId = containerId }, cancellationToken: cancellationToken);

    public async Task<IReadOnlyList<Container>> ListContainersAsync(
        ContainerFilter? filter, CancellationToken cancellationToken)
    {
        var request = new ListContainersRequest();
        if (filter is not null)
        {
            request.Filter = filter;
        }

        var response = await client.ListContainersAsync(request, cancellationToken: cancellationToken);
        return response.Containers;
    }

    public async Task<ContainerStatus> ContainerStatusAsync(string containerId, CancellationToken cancellationToken)
    {
        var response = await client.ContainerStatusAsync(
            new ContainerStatusRequest { ContainerId = containerId }, cancellationToken: cancellationToken);
        return response.Status;
    }

    public async Task<ExecSyncResponse> ExecSyncAsync(
        string containerId, IReadOnlyList<string> command, long timeoutSeconds, CancellationToken cancellationToken)
    {
        var request = new ExecSyncRequest { ContainerId = containerId, Timeout = timeoutSeconds };
        request.Cmd.AddRange(command);
        return await client.ExecSyncAsync(request, cancellationToken: cancellationToken);
    }
}
