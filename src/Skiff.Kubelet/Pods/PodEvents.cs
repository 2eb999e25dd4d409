using k8s.Models;
using Skiff.Client.Events;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// The events the kubelet records about pods and their containers, with upstream's reasons and messages
/// (pkg/kubelet/events, kuberuntime, images, prober): container events refer to the pod with a field path
/// (<c>spec.containers{web}</c>), so <c>kubectl describe pod</c> shows them under the pod.
/// </summary>
public sealed class PodEvents(IEventRecorder recorder)
{
    public void Pulling(V1Pod pod, V1Container container, string image) =>
        Container(pod, container, EventTypes.Normal, "Pulling", $"Pulling image \"{image}\"");

    public void Pulled(V1Pod pod, V1Container container, string image, TimeSpan took, long sizeBytes) =>
        Container(
            pod, container, EventTypes.Normal, "Pulled",
            $"Successfully pulled image \"{image}\" in {GoDuration.FormatPrecise(took)} ({GoDuration.FormatPrecise(took)} including waiting). Image size: {sizeBytes} bytes.");

    public void AlreadyPresent(V1Pod pod, V1Container container, string image) =>
        Container(pod, container, EventTypes.Normal, "Pulled", $"Container image \"{image}\" already present on machine");

    public void PullFailed(V1Pod pod, V1Container container, string image, string error) =>
        Container(pod, container, EventTypes.Warning, "Failed", $"Failed to pull image \"{image}\": {error}");

    public void PullBackOff(V1Pod pod, V1Container container, string image) =>
        Container(pod, container, EventTypes.Normal, "BackOff", $"Back-off pulling image \"{image}\"");

    public void FailedToRetrieveImagePullSecret(V1Pod pod, IReadOnlyList<string> secrets) =>
        recorder.Event(
            pod, EventTypes.Warning, "FailedToRetrieveImagePullSecret",
            $"Unable to retrieve some image pull secrets ({string.Join(", ", secrets)}); attempting to pull the image may not succeed.");

    public void NeverPull(V1Pod pod, V1Container container, string image) =>
        Container(pod, container, EventTypes.Warning, "ErrImageNeverPull", $"Container image \"{image}\" is not present with pull policy of Never");

    public void Created(V1Pod pod, V1Container container) =>
        Container(pod, container, EventTypes.Normal, "Created", $"Created container: {container.Name}");

    public void Started(V1Pod pod, V1Container container) =>
        Container(pod, container, EventTypes.Normal, "Started", $"Started container {container.Name}");

    /// <summary>Creating or starting the container failed (reason <c>Failed</c>, message <c>Error: ...</c>).</summary>
    public void Failed(V1Pod pod, V1Container container, string error) =>
        Container(pod, container, EventTypes.Warning, "Failed", $"Error: {error}");

    /// <param name="message">Why, when not the pod's deletion (e.g. a failed liveness probe).</param>
    public void Killing(V1Pod pod, V1Container container, string? message = null) =>
        Container(pod, container, EventTypes.Normal, "Killing", message ?? $"Stopping container {container.Name}");

    public void BackOff(V1Pod pod, V1Container container) =>
        Container(
            pod, container, EventTypes.Warning, "BackOff",
            $"Back-off restarting failed container {container.Name} in pod {pod.Metadata.Name}_{pod.Metadata.NamespaceProperty ?? "default"}({pod.Metadata.Uid})");

    /// <param name="kind"><c>Liveness</c>, <c>Readiness</c> or <c>Startup</c>.</param>
    public void Unhealthy(V1Pod pod, V1Container container, string kind, string output) =>
        Container(pod, container, EventTypes.Warning, "Unhealthy", $"{kind} probe failed: {output}");

    public void FailedMount(V1Pod pod, string message) =>
        recorder.Event(pod, EventTypes.Warning, "FailedMount", message);

    public void FailedCreatePodSandBox(V1Pod pod, string error) =>
        recorder.Event(pod, EventTypes.Warning, "FailedCreatePodSandBox", $"Failed to create pod sandbox: {error}");

    /// <summary>The field path of a container in its pod, as upstream's container references carry it.</summary>
    public static string FieldPath(V1Pod pod, V1Container container)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(container);
        var list = pod.Spec.InitContainers?.Any(c => c.Name == container.Name) == true ? "initContainers"
            : EphemeralContainers.IsEphemeral(pod, container.Name) ? "ephemeralContainers"
            : "containers";
        return $"spec.{list}{{{container.Name}}}";
    }

    private void Container(V1Pod pod, V1Container container, string type, string reason, string message) =>
        recorder.Event(ObjectReferences.For(pod, FieldPath(pod, container)), type, reason, message);
}
