using k8s.Models;

namespace Skiff.ApiServer.Authorization;

/// <summary>The objects a pod uses by name (upstream's VisitPodSecretNames, VisitPodConfigmapNames and the
/// pod's claims): what its node may read, and what a node's mirror pod may not name.</summary>
public sealed record PodReferences(IReadOnlySet<string> Secrets, IReadOnlySet<string> ConfigMaps, IReadOnlySet<string> PersistentVolumeClaims)
{
    public static PodReferences Of(V1Pod pod)
    {
        var secrets = new HashSet<string>(StringComparer.Ordinal);
        var configMaps = new HashSet<string>(StringComparer.Ordinal);
        var claims = new HashSet<string>(StringComparer.Ordinal);
        var spec = pod.Spec ?? new V1PodSpec();
        foreach (var pull in spec.ImagePullSecrets ?? [])
        {
            Add(secrets, pull.Name);
        }

        var containers =
            (spec.InitContainers ?? []).Select(c => (c.Env, c.EnvFrom))
            .Concat((spec.Containers ?? []).Select(c => (c.Env, c.EnvFrom)))
            .Concat((spec.EphemeralContainers ?? []).Select(c => (c.Env, c.EnvFrom)));
        foreach (var (env, envFrom) in containers)
        {
            foreach (var e in env ?? [])
            {
                Add(secrets, e.ValueFrom?.SecretKeyRef?.Name);
                Add(configMaps, e.ValueFrom?.ConfigMapKeyRef?.Name);
            }

            foreach (var e in envFrom ?? [])
            {
                Add(secrets, e.SecretRef?.Name);
                Add(configMaps, e.ConfigMapRef?.Name);
            }
        }

        foreach (var volume in spec.Volumes ?? [])
        {
            Add(secrets, volume.Secret?.SecretName);
            Add(configMaps, volume.ConfigMap?.Name);
            Add(claims, volume.PersistentVolumeClaim?.ClaimName);
            if (volume.Ephemeral is not null)
            {
                Add(claims, pod.Metadata?.Name + "-" + volume.Name);
            }

            Add(secrets, volume.Csi?.NodePublishSecretRef?.Name);
            foreach (var source in volume.Projected?.Sources ?? [])
            {
                Add(secrets, source.Secret?.Name);
                Add(configMaps, source.ConfigMap?.Name);
            }
        }

        return new PodReferences(secrets, configMaps, claims);
    }

    private static void Add(HashSet<string> set, string? name)
    {
        if (!string.IsNullOrEmpty(name))
        {
            set.Add(name);
        }
    }
}
