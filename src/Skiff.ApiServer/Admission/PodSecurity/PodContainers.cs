using k8s.Models;

namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>What the checks read of any container: init, regular and ephemeral ones alike.</summary>
public sealed record PodContainer(string Name, V1SecurityContext? SecurityContext, IList<V1ContainerPort>? Ports)
{
    /// <summary>Every container of a pod spec in upstream's visiting order: init containers, containers, ephemeral containers.</summary>
    public static IEnumerable<PodContainer> All(V1PodSpec spec)
    {
        foreach (var c in spec.InitContainers ?? [])
        {
            yield return new PodContainer(c.Name ?? string.Empty, c.SecurityContext, c.Ports);
        }

        foreach (var c in spec.Containers ?? [])
        {
            yield return new PodContainer(c.Name ?? string.Empty, c.SecurityContext, c.Ports);
        }

        foreach (var c in spec.EphemeralContainers ?? [])
        {
            yield return new PodContainer(c.Name ?? string.Empty, c.SecurityContext, c.Ports);
        }
    }
}
