using System.Text.Json.Serialization;
using k8s;
using k8s.Models;

/// <summary>
/// What <see cref="PodStartupWatch"/> reads of a pod: its metadata, <c>spec.nodeName</c> and <c>status.phase</c>. Watching pods as this
/// instead of <see cref="V1Pod"/> skips materializing every spec and status the bench never looks at. The watch shares
/// the machine's two cores with the server it measures (ClusterLoader2 measures from a machine of its own); decoding
/// whole pods was ~2/3 of the bench process's CPU, ~5% of the machine, in the 30,000-replica create phase.
/// </summary>
[KubernetesEntity(Group = "", Kind = "Pod", ApiVersion = "v1", PluralName = "pods")]
internal sealed class PodPhaseView : IKubernetesObject<V1ObjectMeta>
{
    [JsonPropertyName("apiVersion")]
    public string ApiVersion { get; set; } = "v1";

    [JsonPropertyName("kind")]
    public string Kind { get; set; } = "Pod";

    [JsonPropertyName("metadata")]
    public V1ObjectMeta Metadata { get; set; } = new();

    [JsonPropertyName("spec")]
    public NodeNameOnly? Spec { get; set; }

    [JsonPropertyName("status")]
    public PhaseOnly? Status { get; set; }

    internal sealed class NodeNameOnly
    {
        [JsonPropertyName("nodeName")]
        public string? NodeName { get; set; }
    }

    internal sealed class PhaseOnly
    {
        [JsonPropertyName("phase")]
        public string? Phase { get; set; }
    }
}
