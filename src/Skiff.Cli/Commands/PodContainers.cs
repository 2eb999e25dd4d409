using System.Text.Json.Nodes;

namespace Skiff.Cli.Commands;

/// <summary>How kubectl picks the container of a pod for logs and exec.</summary>
public static class PodContainers
{
    public const string DefaultContainerAnnotation = "kubectl.kubernetes.io/default-container";

    /// <summary>The chosen container and, when kubectl would print one, the "Defaulted container" notice.</summary>
    public static (string Container, string? Notice) Choose(JsonObject pod, string? requested)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var podName = (string?)pod["metadata"]?["name"];
        var containers = Names(pod["spec"]?["containers"]);
        var init = Names(pod["spec"]?["initContainers"]);
        var ephemeral = Names(pod["spec"]?["ephemeralContainers"]);
        if (!string.IsNullOrEmpty(requested))
        {
            if (!containers.Contains(requested) && !init.Contains(requested) && !ephemeral.Contains(requested))
            {
                throw new CliException($"container {requested} is not valid for pod {podName}");
            }

            return (requested, null);
        }

        var annotated = (string?)pod["metadata"]?["annotations"]?[DefaultContainerAnnotation];
        if (!string.IsNullOrEmpty(annotated) && containers.Contains(annotated))
        {
            return (annotated, null);
        }

        if (containers.Count == 0)
        {
            throw new CliException($"pod {podName} does not have any containers");
        }

        var all = containers.Concat(init.Select(n => n + " (init)")).Concat(ephemeral.Select(n => n + " (ephem)")).ToList();
        var notice = all.Count > 1 ? $"Defaulted container \"{containers[0]}\" out of: {string.Join(", ", all)}" : null;
        return (containers[0], notice);
    }

    private static List<string> Names(JsonNode? list) =>
        list is JsonArray array ? array.Select(c => (string?)c?["name"]).OfType<string>().ToList() : [];
}
