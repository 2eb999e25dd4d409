using k8s;
using k8s.Models;

namespace Skiff.ApiServer.Admission.Plugins;

/// <summary>
/// Upstream's ServiceAccount plugin: a created pod without a service account gets <c>default</c>, the account's
/// <c>imagePullSecrets</c> when it names none of its own, and (unless <c>automountServiceAccountToken</c> of the pod,
/// else of the account, is false) the <c>kube-api-access-xxxxx</c> projected volume, mounted read-only at
/// <c>/var/run/secrets/kubernetes.io/serviceaccount</c> in every container: a token bound to the pod, the cluster CA
/// (<c>kube-root-ca.crt</c>) and the namespace, what in-cluster clients read. A mirror pod (a kubelet's static pod)
/// may not name an account, nor use secrets. (Upstream refuses a pod whose account does not exist; Skiff passes it
/// over, so a pod created in the instant before the controller makes a new namespace's <c>default</c> still runs.)
/// </summary>
public sealed class ServiceAccountAdmission : IAdmissionPlugin
{
    public const string DefaultServiceAccount = "default";
    public const string MirrorPodAnnotation = "kubernetes.io/config.mirror";
    public const string TokenMountPath = "/var/run/secrets/kubernetes.io/serviceaccount";
    public const string TokenVolumePrefix = "kube-api-access-";

    /// <summary>Upstream's lifetime for the projected token (one hour and seven seconds, which marks it as one).</summary>
    public const long TokenExpirationSeconds = 3607;

    // Upstream's rand.String alphabet: no vowels (no words by chance), no confusable characters.
    private const string NameAlphabet = "bcdfghjklmnpqrstvwxz2456789";

    public string Name => "ServiceAccount";

    public void Admit(AdmissionAttributes a)
    {
        if (a.Operation != AdmissionOperation.Create || !a.IsPod || a.Subresource.Length > 0 || a.Object is not V1Pod pod)
        {
            return;
        }

        // A mirror pod's spec is the kubelet's file: changing it would make the kubelet delete the pod.
        if (IsMirrorPod(pod))
        {
            return;
        }

        var spec = pod.Spec ??= new V1PodSpec();
        if (string.IsNullOrEmpty(spec.ServiceAccountName))
        {
            spec.ServiceAccountName = string.IsNullOrEmpty(spec.ServiceAccount) ? DefaultServiceAccount : spec.ServiceAccount;
        }

        spec.ServiceAccount = spec.ServiceAccountName;
        var account = a.Cluster.Derived(string.Empty, "serviceaccounts", a.Namespace, spec.ServiceAccountName, AccountDefaultsOf);
        if ((spec.ImagePullSecrets?.Count ?? 0) == 0 && account.PullSecrets.Count > 0)
        {
            spec.ImagePullSecrets = account.PullSecrets.Select(name => new V1LocalObjectReference { Name = name }).ToList();
        }

        if (spec.AutomountServiceAccountToken ?? account.Automount ?? true)
        {
            MountToken(spec);
        }
    }

    /// <summary>Adds the token volume (unless there is one) and mounts it in every container without a mount there.</summary>
    private static void MountToken(V1PodSpec spec)
    {
        var volumes = spec.Volumes ?? [];
        var volumeName = volumes.FirstOrDefault(v => v.Name.StartsWith(TokenVolumePrefix, StringComparison.Ordinal))?.Name;
        var hasVolume = volumeName is not null;
        while (volumeName is null || (!hasVolume && volumes.Any(v => v.Name == volumeName)))
        {
            volumeName = TokenVolumePrefix + new string(Random.Shared.GetItems(NameAlphabet.AsSpan(), 5));
        }

        var mounted = false;
        foreach (var container in (spec.InitContainers ?? []).Concat(spec.Containers ?? []))
        {
            if ((container.VolumeMounts ?? []).Any(m => m.MountPath == TokenMountPath))
            {
                continue;
            }

            container.VolumeMounts ??= [];
            container.VolumeMounts.Add(new V1VolumeMount { Name = volumeName, ReadOnlyProperty = true, MountPath = TokenMountPath });
            mounted = true;
        }

        if (mounted && !hasVolume)
        {
            spec.Volumes ??= [];
            spec.Volumes.Add(new V1Volume
            {
                Name = volumeName,
                Projected = new V1ProjectedVolumeSource
                {
                    DefaultMode = 420,
                    Sources =
                    [
                        new V1VolumeProjection { ServiceAccountToken = new V1ServiceAccountTokenProjection { ExpirationSeconds = TokenExpirationSeconds, Path = "token" } },
                        new V1VolumeProjection { ConfigMap = new V1ConfigMapProjection { Name = "kube-root-ca.crt", Items = [new V1KeyToPath { Key = "ca.crt", Path = "ca.crt" }] } },
                        new V1VolumeProjection
                        {
                            DownwardAPI = new V1DownwardAPIProjection
                            {
                                Items = [new V1DownwardAPIVolumeFile { Path = "namespace", FieldRef = new V1ObjectFieldSelector { ApiVersion = "v1", FieldPath = "metadata.namespace" } }],
                            },
                        },
                    ],
                },
            });
        }
    }

    public void Validate(AdmissionAttributes a)
    {
        if (a.Operation != AdmissionOperation.Create || !a.IsPod || a.Subresource.Length > 0 || a.Object is not V1Pod pod || !IsMirrorPod(pod))
        {
            return;
        }

        if (!string.IsNullOrEmpty(pod.Spec?.ServiceAccountName))
        {
            throw AdmissionErrors.Forbidden(a, "a mirror pod may not reference service accounts");
        }

        var containers = (pod.Spec?.InitContainers ?? []).Concat(pod.Spec?.Containers ?? []);
        if ((pod.Spec?.Volumes ?? []).Any(v => v.Secret is not null || v.Projected?.Sources?.Any(s => s.Secret is not null || s.ServiceAccountToken is not null) == true)
            || containers.Any(c => (c.Env ?? []).Any(e => e.ValueFrom?.SecretKeyRef is not null) || (c.EnvFrom ?? []).Any(e => e.SecretRef is not null)))
        {
            throw AdmissionErrors.Forbidden(a, "a mirror pod may not reference secrets");
        }
    }

    private static bool IsMirrorPod(V1Pod pod) => pod.Metadata?.Annotations?.ContainsKey(MirrorPodAnnotation) == true;

    // What a pod takes from its account, kept with the account by the cluster view: every pod create reads it.
    private static readonly Func<IKubernetesObject<V1ObjectMeta>?, AccountDefaults> AccountDefaultsOf = static obj =>
        obj is V1ServiceAccount account
            ? new AccountDefaults([.. (account.ImagePullSecrets ?? []).Select(s => s.Name)], account.AutomountServiceAccountToken)
            : new AccountDefaults([], null);

    private sealed record AccountDefaults(IReadOnlyList<string> PullSecrets, bool? Automount);
}
