using System.Globalization;
using k8s.Models;
using Skiff.Apimachinery.Printing;

namespace Skiff.Apimachinery.Strategies.Pods;

/// <summary>
/// The READY, STATUS and RESTARTS cells of <c>kubectl get pods</c>, computed as kube-apiserver's pod printer does
/// (<c>printPod</c>): init-container progress (<c>Init:0/1</c>, <c>Init:CrashLoopBackOff</c>), waiting and terminated
/// reasons (<c>ContainerCreating</c>, <c>CrashLoopBackOff</c>, <c>Completed</c>, <c>Error</c>), <c>Terminating</c>,
/// and restarts with the last restart's age (<c>2 (5m ago)</c>).
/// </summary>
public static class PodPrinter
{
    public static string Ready(V1Pod pod) => Summarize(pod, DateTimeOffset.UnixEpoch).Ready;

    public static string Status(V1Pod pod) => Summarize(pod, DateTimeOffset.UnixEpoch).Status;

    public static string Restarts(V1Pod pod, DateTimeOffset now) => Summarize(pod, now).Restarts;

    public static (string Ready, string Status, string Restarts) Summarize(V1Pod pod, DateTimeOffset now)
    {
        var spec = pod.Spec ?? new V1PodSpec();
        var status = pod.Status ?? new V1PodStatus();
        var restarts = 0;
        var restartableInitRestarts = 0;
        var totalContainers = spec.Containers?.Count ?? 0;
        var readyContainers = 0;
        DateTime? lastRestart = null;
        DateTime? lastRestartableInitRestart = null;

        var phase = status.Phase ?? string.Empty;
        var reason = string.IsNullOrEmpty(status.Reason) ? phase : status.Reason;
        if ((status.Conditions ?? []).Any(c => c.Type == "PodScheduled" && c.Reason == "SchedulingGated"))
        {
            reason = "SchedulingGated";
        }

        var initContainers = (spec.InitContainers ?? []).Where(c => c.Name is not null).ToDictionary(c => c.Name, StringComparer.Ordinal);
        totalContainers += initContainers.Values.Count(IsRestartable);

        var initializing = false;
        var initStatuses = status.InitContainerStatuses ?? [];
        for (var i = 0; i < initStatuses.Count; i++)
        {
            var container = initStatuses[i];
            var restartable = initContainers.TryGetValue(container.Name ?? string.Empty, out var initSpec) && IsRestartable(initSpec);
            restarts += container.RestartCount;
            lastRestart = Later(lastRestart, container.LastState?.Terminated?.FinishedAt);
            if (restartable)
            {
                restartableInitRestarts += container.RestartCount;
                lastRestartableInitRestart = Later(lastRestartableInitRestart, container.LastState?.Terminated?.FinishedAt);
            }

            var terminated = container.State?.Terminated;
            var waiting = container.State?.Waiting;
            if (terminated is not null && terminated.ExitCode == 0)
            {
                continue;
            }

            if (restartable && container.Started == true)
            {
                if (container.Ready)
                {
                    readyContainers++;
                }

                continue;
            }

            if (terminated is not null)
            {
                reason = string.IsNullOrEmpty(terminated.Reason)
                    ? terminated.Signal is { } signal and not 0 ? Invariant($"Init:Signal:{signal}") : Invariant($"Init:ExitCode:{terminated.ExitCode}")
                    : "Init:" + terminated.Reason;
            }
            else if (waiting is not null && !string.IsNullOrEmpty(waiting.Reason) && waiting.Reason != "PodInitializing")
            {
                reason = "Init:" + waiting.Reason;
            }
            else
            {
                reason = Invariant($"Init:{i}/{spec.InitContainers?.Count ?? 0}");
            }

            initializing = true;
            break;
        }

        if (!initializing || IsConditionTrue(status, "Initialized"))
        {
            restarts = restartableInitRestarts;
            lastRestart = lastRestartableInitRestart;
            var hasRunning = false;
            var statuses = status.ContainerStatuses ?? [];
            for (var i = statuses.Count - 1; i >= 0; i--)
            {
                var container = statuses[i];
                restarts += container.RestartCount;
                lastRestart = Later(lastRestart, container.LastState?.Terminated?.FinishedAt);
                var waiting = container.State?.Waiting;
                var terminated = container.State?.Terminated;
                if (waiting is not null && !string.IsNullOrEmpty(waiting.Reason))
                {
                    reason = waiting.Reason;
                }
                else if (terminated is not null && !string.IsNullOrEmpty(terminated.Reason))
                {
                    reason = terminated.Reason;
                }
                else if (terminated is not null)
                {
                    reason = terminated.Signal is { } signal and not 0 ? Invariant($"Signal:{signal}") : Invariant($"ExitCode:{terminated.ExitCode}");
                }
                else if (container.Ready && container.State?.Running is not null)
                {
                    hasRunning = true;
                    readyContainers++;
                }
            }

            // A pod whose last container completed but another still runs is shown as running.
            if (reason == "Completed" && hasRunning)
            {
                reason = IsConditionTrue(status, "Ready") ? "Running" : "NotReady";
            }
        }

        if (pod.Metadata?.DeletionTimestamp is not null && status.Reason == "NodeLost")
        {
            reason = "Unknown";
        }
        else if (pod.Metadata?.DeletionTimestamp is not null && phase is not ("Succeeded" or "Failed"))
        {
            reason = "Terminating";
        }

        var restartText = restarts.ToString(CultureInfo.InvariantCulture);
        if (restarts != 0 && lastRestart is not null)
        {
            restartText = Invariant($"{restarts} ({HumanDuration.Since(lastRestart, now)} ago)");
        }

        return (Invariant($"{readyContainers}/{totalContainers}"), reason, restartText);
    }

    /// <summary>The READINESS GATES cell: <c>&lt;none&gt;</c> or true conditions over gates, e.g. <c>1/2</c>.</summary>
    public static string ReadinessGates(V1Pod pod)
    {
        var gates = pod.Spec?.ReadinessGates ?? [];
        if (gates.Count == 0)
        {
            return "<none>";
        }

        var conditions = pod.Status?.Conditions ?? [];
        var passed = gates.Count(gate => conditions.FirstOrDefault(c => c.Type == gate.ConditionType)?.Status == "True");
        return Invariant($"{passed}/{gates.Count}");
    }

    /// <summary>The pod's first IP (podIPs[0], else podIP), or empty.</summary>
    public static string PodIp(V1Pod pod) =>
        pod.Status?.PodIPs is { Count: > 0 } ips ? ips[0].Ip ?? string.Empty : pod.Status?.PodIP ?? string.Empty;

    private static bool IsRestartable(V1Container container) => container.RestartPolicy == "Always";

    private static bool IsConditionTrue(V1PodStatus status, string type) =>
        (status.Conditions ?? []).Any(c => c.Type == type && c.Status == "True");

    private static DateTime? Later(DateTime? current, DateTime? candidate) =>
        candidate is null || candidate == default ? current : current is null || candidate > current ? candidate : current;

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
