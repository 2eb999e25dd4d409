using Skiff.Cri.V1;

namespace Skiff.Kubelet.Runtime;

/// <summary>
/// The CRI RuntimeService calls the kubelet makes, with CRI's own message types. It exists so pod sync can be tested
/// against a fake runtime; <see cref="GrpcRuntimeService"/> is the real one. Errors surface as
/// <see cref="Grpc.Core.RpcException"/>, exactly as the runtime sent them (NotFound for missing objects, Unknown with
/// the runtime's message for most failures).
/// </summary>
public interface IRuntimeService
{
    Task<VersionResponse> VersionAsync(CancellationToken cancellationToken);

    Task<string> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken cancellationToken);

    Task StopPodSandboxAsync(string podSandboxId, CancellationToken cancellationToken);

    Task RemovePodSandboxAsync(string podSandboxId, CancellationToken cancellationToken);

    Task<PodSandboxStatus> PodSandboxStatusAsync(string podSandboxId, CancellationToken cancellationToken);

    Task<IReadOnlyList<PodSandbox>> ListPodSandboxAsync(PodSandboxFilter? filter, CancellationToken cancellationToken);

    /// <summary>Creates a container; <paramref name="sandboxConfig"/> must be the config the sandbox was run with
    /// (containerd 1.6 crashes without it).</summary>
    Task<string> CreateContainerAsync(
        string podSandboxId, ContainerConfig config, PodSandboxConfig sandboxConfig, CancellationToken cancellationToken);

    Task StartContainerAsync(string containerId, CancellationToken cancellationToken);

    /// <summary>Sends the image's stop signal, waits <paramref name="timeoutSeconds"/>, then kills.</summary>
    Task StopContainerAsync(string containerId, long timeoutSeconds, CancellationToken cancellationToken);

    Task RemoveContainerAsync(string containerId, CancellationToken cancellationToken);

    Task<IReadOnlyList<Container>> ListContainersAsync(ContainerFilter? filter, CancellationToken cancellationToken);

    Task<ContainerStatus> ContainerStatusAsync(string containerId, CancellationToken cancellationToken);

    Task<ExecSyncResponse> ExecSyncAsync(
        string containerId, IReadOnlyList<string> command, long timeoutSeconds, CancellationToken cancellationToken);
}
