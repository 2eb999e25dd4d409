using Skiff.Api.Pods;
using k8s.Models;
using Skiff.Cri.V1;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// Computes a pod's status the way the kubelet reports it: phase by Kubernetes' rules, the kubelet-owned conditions
/// with their transition times, IPs, start time, and container statuses from the runtime's view.
/// </summary>
public static class PodStatusBuilder
{
    public const string Pending = "Pending";
    public const string Running = "Running";
    public const string Succeeded = "Succeeded";
    public const string Failed = "Failed";

    private static readonly string[] KubeletConditions =
        ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"];

    public static V1PodStatus Build(PodStatusInput input)
    {
        ArgumentNullException.ThrowIfNull(input);
        var pod = input.Pod;
        var spec = pod.Spec;
        var previous = input.Previous ?? pod.Status;
        var initContainers = spec.InitContainers ?? [];
        var containers = spec.Containers ?? [];

        var initStatuses = initContainers.Select(c => ContainerStatusOf(input, c, isInit: true, initialized: false)).ToList();
        var initialized = initStatuses.All(s => s.State?.Terminated?.ExitCode == 0);
        var statuses = containers.Select(c => ContainerStatusOf(input, c, isInit: false, initialized)).ToList();
        // Ephemeral containers count for neither the phase nor readiness; they are never ready (as upstream).
        var ephemeralStatuses = (spec.EphemeralContainers ?? [])
            .Select(e => ContainerStatusOf(input, EphemeralContainers.AsContainer(e), isInit: false, initialized) is var s && s.Ready ? WithReady(s, false) : s)
            .ToList();

        var phase = input.TerminalPhase ?? Phase(spec, initStatuses, statuses);

        var podIp = input.Observed.PodIp ?? (input.Observed.SandboxReady ? null : previous?.PodIP);
        var status = new V1PodStatus
        {
            Phase = phase,
            HostIP = input.HostIp,
            HostIPs = [new V1HostIP { Ip = input.HostIp }],
            PodIP = podIp,
            PodIPs = podIp is null ? null : [new V1PodIP { Ip = podIp }],
            StartTime = ToApiTime(input.StartTime),
            QosClass = previous?.QosClass ?? PodQos.ClassOf(pod),
            InitContainerStatuses = initStatuses.Count > 0 ? initStatuses : null,
            ContainerStatuses = statuses,
            EphemeralContainerStatuses = ephemeralStatuses.Count > 0 ? ephemeralStatuses : null,
            Conditions = Conditions(input, phase, initStatuses, statuses),
        };
        return status;
    }

    /// <summary>Kubernetes' getPhase: Pending until every container has started, Running while one runs or will be
    /// restarted, Succeeded/Failed when all have stopped for good.</summary>
    public static string Phase(V1PodSpec spec, IReadOnlyList<V1ContainerStatus> initStatuses, IReadOnlyList<V1ContainerStatus> statuses)
    {
        ArgumentNullException.ThrowIfNull(spec);
        ArgumentNullException.ThrowIfNull(initStatuses);
        ArgumentNullException.ThrowIfNull(statuses);
        var policy = spec.RestartPolicy ?? "Always";
        int pendingInit = 0, failedInit = 0;
        foreach (var s in initStatuses)
        {
            if (s.State?.Running is not null)
            {
                pendingInit++;
            }
            else if (s.State?.Terminated is { } terminated)
            {
                if (terminated.ExitCode != 0)
                {
                    failedInit++;
                }
            }
            else if (s.State?.Waiting is not null && s.LastState?.Terminated is { } last)
            {
                if (last.ExitCode != 0)
                {
                    failedInit++;
                }
            }
            else
            {
                pendingInit++;
            }
        }

        int unknown = 0, running = 0, waiting = 0, stopped = 0, succeeded = 0;
        foreach (var s in statuses)
        {
            if (s.State?.Running is not null)
            {
                running++;
            }
            else if (s.State?.Terminated is { } terminated)
            {
                stopped++;
                if (terminated.ExitCode == 0)
                {
                    succeeded++;
                }
            }
            else if (s.State?.Waiting is not null)
            {
                if (s.LastState?.Terminated is not null)
                {
                    stopped++;
                }
                else
                {
                    waiting++;
                }
            }
            else
            {
                unknown++;
            }
        }

        if (failedInit > 0 && policy == "Never")
        {
            return Failed;
        }

        if (pendingInit > 0 || failedInit > 0 || waiting > 0)
        {
            return Pending;
        }

        if (running > 0 && unknown == 0)
        {
            return Running;
        }

        if (running == 0 && stopped > 0 && unknown == 0)
        {
            if (policy == "Always")
            {
                return Running;
            }

            if (stopped == succeeded)
            {
                return Succeeded;
            }

            return policy == "Never" ? Failed : Running;
        }

        return Pending;
    }

    private static V1ContainerStatus WithReady(V1ContainerStatus status, bool ready)
    {
        status.Ready = ready;
        return status;
    }

    private static V1ContainerStatus ContainerStatusOf(PodStatusInput input, V1Container container, bool isInit, bool initialized)
    {
        var instances = input.Observed.Instances(container.Name);
        var current = instances.Count > 0 ? instances[0] : null;
        var previous = instances.Count > 1 ? instances[1] : null;
        var status = new V1ContainerStatus
        {
            Name = container.Name,
            Image = container.Image,
            ImageID = "",
            Ready = false,
            Started = false,
            RestartCount = (int)(current?.Metadata.Attempt ?? 0),
            State = new V1ContainerState(),
            LastState = new V1ContainerState(),
        };

        if (current is not null)
        {
            if (!string.IsNullOrEmpty(current.Image?.Image))
            {
                status.Image = current.Image.Image;
            }

            status.ImageID = current.ImageRef ?? "";
            status.ContainerID = $"containerd://{current.Id}";
        }

        if (input.Waiting.TryGetValue(container.Name, out var waiting)
            && (current is null || current.State == ContainerState.ContainerExited))
        {
            status.State.Waiting = new V1ContainerStateWaiting { Reason = waiting.Reason, Message = waiting.Message };
            if (current is not null)
            {
                status.LastState.Terminated = Terminated(current);
            }

            return status;
        }

        if (current is null)
        {
            status.State.Waiting = new V1ContainerStateWaiting
            {
                Reason = !isInit && initialized ? "ContainerCreating" : "PodInitializing",
            };

            return status;
        }

        if (previous is not null && previous.State == ContainerState.ContainerExited)
        {
            status.LastState.Terminated = Terminated(previous);
        }

        switch (current.State)
        {
            case ContainerState.ContainerRunning:
                status.State.Running = new V1ContainerStateRunning { StartedAt = ToApiTime(FromNanos(current.StartedAt)) };
                var probe = input.Probes.TryGetValue(current.Id, out var result) ? result : new ProbeResult(true, true);
                status.Started = probe.Started;
                // An init container is ready once it has completed, never while it runs.
                status.Ready = !isInit && probe.Started && probe.Ready;
                break;
            case ContainerState.ContainerExited:
                status.State.Terminated = Terminated(current);
                status.Ready = isInit && current.ExitCode == 0;
                break;
            default:
                status.State.Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" };
                break;
        }

        return status;
    }

    private static V1ContainerStateTerminated Terminated(ContainerStatus status) => new()
    {
        ExitCode = status.ExitCode,
        Reason = string.IsNullOrEmpty(status.Reason) ? (status.ExitCode == 0 ? "Completed" : "Error") : status.Reason,
        Message = string.IsNullOrEmpty(status.Message) ? null : status.Message,
        StartedAt = status.StartedAt > 0 ? ToApiTime(FromNanos(status.StartedAt)) : null,
        FinishedAt = status.FinishedAt > 0 ? ToApiTime(FromNanos(status.FinishedAt)) : null,
        ContainerID = $"containerd://{status.Id}",
    };

    private static List<V1PodCondition> Conditions(
        PodStatusInput input, string phase, List<V1ContainerStatus> initStatuses, List<V1ContainerStatus> statuses)
    {
        var pod = input.Pod;
        var previous = (input.Previous ?? pod.Status)?.Conditions ?? [];
        var result = new List<V1PodCondition>();

        V1PodCondition Make(string type, bool value, string? reason = null, string? message = null)
        {
            var status = value ? "True" : "False";
            var old = previous.FirstOrDefault(c => c.Type == type);
            return new V1PodCondition
            {
                Type = type,
                Status = status,
                Reason = reason,
                Message = message,
                LastProbeTime = null,
                LastTransitionTime = old is not null && old.Status == status && old.LastTransitionTime is not null
                    ? old.LastTransitionTime
                    : ToApiTime(input.Now),
            };
        }

        var sandboxUp = input.Observed.SandboxReady && (input.Observed.PodIp is not null || pod.Spec.HostNetwork == true);
        result.Add(Make("PodReadyToStartContainers", sandboxUp));

        var incompleteInit = initStatuses.Where(s => s.State?.Terminated?.ExitCode != 0).Select(s => s.Name).ToList();
        result.Add(incompleteInit.Count == 0
            ? Make("Initialized", true, phase == Succeeded ? "PodCompleted" : null)
            : Make("Initialized", false, "ContainersNotInitialized",
                $"containers with incomplete status: [{string.Join(' ', incompleteInit)}]"));

        var unready = statuses.Where(s => !s.Ready).Select(s => s.Name).ToList();
        var gates = (pod.Spec.ReadinessGates ?? [])
            .Where(g => (pod.Status?.Conditions ?? []).FirstOrDefault(c => c.Type == g.ConditionType)?.Status != "True")
            .Select(g => g.ConditionType)
            .ToList();
        V1PodCondition containersReady, ready;
        if (phase == Succeeded)
        {
            containersReady = Make("ContainersReady", false, "PodCompleted");
            ready = Make("Ready", false, "PodCompleted");
        }
        else if (unready.Count > 0)
        {
            var message = $"containers with unready status: [{string.Join(' ', unready)}]";
            containersReady = Make("ContainersReady", false, "ContainersNotReady", message);
            ready = Make("Ready", false, "ContainersNotReady", message);
        }
        else if (gates.Count > 0)
        {
            containersReady = Make("ContainersReady", true);
            ready = Make("Ready", false, "ReadinessGatesNotReady",
                $"corresponding condition of pod readiness gate \"{gates[0]}\" does not exist.");
        }
        else
        {
            containersReady = Make("ContainersReady", true);
            ready = Make("Ready", true);
        }

        result.Add(ready);
        result.Add(containersReady);

        var scheduled = previous.FirstOrDefault(c => c.Type == "PodScheduled");
        result.Add(scheduled ?? Make("PodScheduled", true));

        // Conditions owned by others (readiness gates, DisruptionTarget, ...) are kept as they are.
        result.AddRange((pod.Status?.Conditions ?? []).Where(c => !KubeletConditions.Contains(c.Type)));
        return result;
    }

    /// <summary>A CRI timestamp (ns since the epoch) as exact UTC time.</summary>
    public static DateTime FromNanos(long nanos) => DateTime.UnixEpoch.AddTicks(nanos / 100);

    /// <summary>API times (metav1.Time) have whole seconds, as the real kubelet reports them.</summary>
    public static DateTime ToApiTime(DateTime time) =>
        new(time.Ticks - (time.Ticks % TimeSpan.TicksPerSecond), DateTimeKind.Utc);
}
