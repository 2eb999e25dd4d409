using Skiff.Cri;
using Skiff.Cri.V1;

namespace Skiff.Bench.Streaming;

/// <summary>A pod's sandbox and running container as the runtime knows them (found by the kubelet's pod labels).</summary>
internal sealed record RuntimeTarget(string SandboxId, string ContainerId)
{
    public static async Task<RuntimeTarget> FindAsync(CriConnection cri, string podNamespace, string podName)
    {
        var sandboxes = await cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest
        {
            Filter = new PodSandboxFilter
            {
                LabelSelector = { ["io.kubernetes.pod.namespace"] = podNamespace, ["io.kubernetes.pod.name"] = podName },
                State = new PodSandboxStateValue { State = PodSandboxState.SandboxReady },
            },
        });
        var sandbox = sandboxes.Items.SingleOrDefault() ?? throw new InvalidOperationException($"no ready sandbox for {podNamespace}/{podName}");
        var containers = await cri.Runtime.ListContainersAsync(new ListContainersRequest
        {
            Filter = new ContainerFilter { PodSandboxId = sandbox.Id, State = new ContainerStateValue { State = ContainerState.ContainerRunning } },
        });
        var container = containers.Containers.FirstOrDefault() ?? throw new InvalidOperationException($"no running container in {podNamespace}/{podName}");
        return new RuntimeTarget(sandbox.Id, container.Id);
    }
}
