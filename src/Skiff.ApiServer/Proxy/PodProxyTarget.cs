using k8s.Models;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Proxy;

/// <summary>
/// Which container of a pod a <c>log</c>/<c>exec</c>/<c>attach</c> request means, and whether it can be served now,
/// with the API server's and kubelet's own error messages.
/// </summary>
public static class PodProxyTarget
{
    /// <summary>The <c>container</c> parameter, or the only container; 400 when it is ambiguous or unknown.</summary>
    public static string ResolveContainer(V1Pod pod, string? requested)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var name = pod.Metadata.Name;
        var containers = pod.Spec?.Containers ?? [];
        var all = containers.Select(c => c.Name)
            .Concat((pod.Spec?.InitContainers ?? []).Select(c => c.Name))
            .Concat((pod.Spec?.EphemeralContainers ?? []).Select(c => c.Name))
            .ToList();
        if (string.IsNullOrEmpty(requested))
        {
            if (containers.Count == 1)
            {
                return containers[0].Name;
            }

            var choices = string.Join(" ", containers.Select(c => c.Name));
            var init = pod.Spec?.InitContainers is { Count: > 0 } inits ? " or one of the init containers: [" + string.Join(" ", inits.Select(c => c.Name)) + "]" : string.Empty;
            throw StatusErrors.BadRequest($"a container name must be specified for pod {name}, choose one of: [{choices}]{init}");
        }

        if (!all.Contains(requested, StringComparer.Ordinal))
        {
            throw StatusErrors.BadRequest($"container {requested} is not valid for pod {name}");
        }

        return requested;
    }

    /// <summary>Log requests: the container must have started (or, for previous, have a terminated earlier run).</summary>
    public static void CheckLogsAvailable(V1Pod pod, string container, bool previous)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var status = FindStatus(pod, container);
        var podName = pod.Metadata.Name;
        if (previous)
        {
            if (status?.LastState?.Terminated is null)
            {
                throw StatusErrors.BadRequest($"previous terminated container \"{container}\" in pod \"{podName}\" not found");
            }

            return;
        }

        if (status is null)
        {
            throw StatusErrors.BadRequest($"container \"{container}\" in pod \"{podName}\" is waiting to start: ContainerCreating");
        }

        if (status.State?.Waiting is { } waiting && status.State.Running is null && status.State.Terminated is null && status.LastState?.Terminated is null)
        {
            var reason = string.IsNullOrEmpty(waiting.Reason) ? "ContainerCreating" : waiting.Reason;
            throw StatusErrors.BadRequest($"container \"{container}\" in pod \"{podName}\" is waiting to start: {reason}");
        }
    }

    private static V1ContainerStatus? FindStatus(V1Pod pod, string container) =>
        (pod.Status?.ContainerStatuses ?? [])
            .Concat(pod.Status?.InitContainerStatuses ?? [])
            .Concat(pod.Status?.EphemeralContainerStatuses ?? [])
            .FirstOrDefault(s => s.Name == container);
}
