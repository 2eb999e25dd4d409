using k8s.Models;
using Skiff.Kubelet.Pods;

namespace Skiff.Kubelet.Images;

/// <summary>The keyring of a pod's <c>imagePullSecrets</c> (the ServiceAccount's are copied into the pod at
/// admission, as upstream), and the secrets that could not be read.</summary>
public sealed record PodPullSecrets(DockerKeyring Keyring, IReadOnlyList<string> Missing)
{
    private const string DockerConfigJsonType = "kubernetes.io/dockerconfigjson";
    private const string DockerConfigType = "kubernetes.io/dockercfg";

    /// <summary>Reads the pod's pull secrets from the kubelet's cache. A secret that is missing, of another type or
    /// malformed is skipped and named in <see cref="Missing"/>, as upstream's kubelet goes on pulling without it.</summary>
    public static async Task<PodPullSecrets> ForPodAsync(V1Pod pod, ConfigObjects objects, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(objects);
        var keyring = new DockerKeyring();
        var missing = new List<string>();
        var ns = pod.Metadata.NamespaceProperty ?? "default";
        foreach (var reference in pod.Spec.ImagePullSecrets ?? [])
        {
            if (string.IsNullOrEmpty(reference.Name))
            {
                continue;
            }

            var secret = await objects.GetSecretAsync(ns, reference.Name, cancellationToken);
            var added = secret?.Type switch
            {
                DockerConfigJsonType => secret.Data?.TryGetValue(".dockerconfigjson", out var json) == true && keyring.Add(json, legacyFormat: false),
                DockerConfigType => secret.Data?.TryGetValue(".dockercfg", out var cfg) == true && keyring.Add(cfg, legacyFormat: true),
                _ => false,
            };
            if (!added)
            {
                missing.Add($"{ns}/{reference.Name}");
            }
        }

        return new PodPullSecrets(keyring, missing);
    }
}
