using System.Net;
using k8s.Models;

namespace Skiff.Simulation;

/// <summary>The statuses a kubelet would post for a pod whose containers start at once and never fail: Running and
/// Ready with every container running (init containers completed), and Succeeded with every container exited 0.</summary>
internal static class PodStatuses
{
    public static V1PodStatus Running(V1Pod pod, SimulatedNode node, IPAddress podIp, DateTimeOffset started)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(node);
        var at = started.UtcDateTime;
        return new V1PodStatus
        {
            Phase = "Running",
            HostIP = node.InternalIp.ToString(),
            HostIPs = [new V1HostIP { Ip = node.InternalIp.ToString() }],
            PodIP = podIp.ToString(),
            PodIPs = [new V1PodIP { Ip = podIp.ToString() }],
            StartTime = at,
            QosClass = pod.Status?.QosClass,
            Conditions =
            [
                Condition("PodReadyToStartContainers", "True", at),
                Condition("Initialized", "True", at),
                Condition("Ready", "True", at),
                Condition("ContainersReady", "True", at),
                Scheduled(pod, at),
            ],
            InitContainerStatuses = pod.Spec?.InitContainers?.Select(c => Terminated(pod, c, at, at)).ToList(),
            ContainerStatuses = (pod.Spec?.Containers ?? []).Select(c => new V1ContainerStatus
            {
                Name = c.Name,
                Image = c.Image,
                ImageID = ImageId(c.Image),
                ContainerID = ContainerId(pod, c),
                Ready = true,
                Started = true,
                RestartCount = 0,
                State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = at } },
            }).ToList(),
        };
    }

    public static V1PodStatus Succeeded(V1Pod pod, SimulatedNode node, IPAddress podIp, DateTimeOffset started, DateTimeOffset finished)
    {
        var status = Running(pod, node, podIp, started);
        var at = finished.UtcDateTime;
        status.Phase = "Succeeded";
        status.Conditions =
        [
            Condition("PodReadyToStartContainers", "False", at),
            Condition("Initialized", "True", started.UtcDateTime),
            Condition("Ready", "False", at, "PodCompleted"),
            Condition("ContainersReady", "False", at, "PodCompleted"),
            Scheduled(pod, started.UtcDateTime),
        ];
        status.ContainerStatuses = (pod.Spec?.Containers ?? []).Select(c => Terminated(pod, c, started.UtcDateTime, at)).ToList();
        return status;
    }

    /// <summary>Whether the pod already shows what <see cref="Running"/> posts.</summary>
    public static bool IsRunningAndReady(V1Pod pod) =>
        pod.Status is { Phase: "Running", PodIP.Length: > 0 } status
        && status.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true;

    private static V1ContainerStatus Terminated(V1Pod pod, V1Container container, DateTime started, DateTime finished) => new()
    {
        Name = container.Name,
        Image = container.Image,
        ImageID = ImageId(container.Image),
        ContainerID = ContainerId(pod, container),
        Ready = false,
        Started = false,
        RestartCount = 0,
        State = new V1ContainerState
        {
            Terminated = new V1ContainerStateTerminated
            {
                ExitCode = 0,
                Reason = "Completed",
                StartedAt = started,
                FinishedAt = finished,
                ContainerID = ContainerId(pod, container),
            },
        },
    };

    /// <summary>The scheduler's condition as it is (a merge patch replaces the whole list), or a True one.</summary>
    private static V1PodCondition Scheduled(V1Pod pod, DateTime at) =>
        pod.Status?.Conditions?.FirstOrDefault(c => c.Type == "PodScheduled") is { Status: "True" } scheduled
            ? scheduled
            : Condition("PodScheduled", "True", at);

    private static V1PodCondition Condition(string type, string status, DateTime at, string? reason = null) =>
        new() { Type = type, Status = status, Reason = reason, LastTransitionTime = at };

    private static string ContainerId(V1Pod pod, V1Container container) =>
        $"simulated://{pod.Metadata.Uid}/{container.Name}";

    private static string ImageId(string? image) => $"simulated://{image}";
}
