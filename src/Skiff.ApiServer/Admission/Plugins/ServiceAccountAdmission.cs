using k8s.Models;

namespace Skiff.ApiServer.Admission.Plugins;

/// <summary>
/// Upstream's ServiceAccount plugin, the part Skiff has so far: a created pod without a service account gets
/// <c>default</c>, and the account's <c>imagePullSecrets</c> when it names none of its own; a mirror pod (a kubelet's
/// static pod) may not name one, nor use secrets. (Upstream refuses a pod whose account does not exist; here a missing
/// account is still passed over: the controller manager's serviceaccounts controller creates <c>default</c> in every
/// namespace, but an API server may run without it, as many tests do.)
/// </summary>
public sealed class ServiceAccountAdmission : IAdmissionPlugin
{
    public const string DefaultServiceAccount = "default";
    public const string MirrorPodAnnotation = "kubernetes.io/config.mirror";

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
        if ((spec.ImagePullSecrets?.Count ?? 0) == 0
            && a.Cluster.Get(string.Empty, "serviceaccounts", a.Namespace, spec.ServiceAccountName) is V1ServiceAccount account
            && account.ImagePullSecrets is { Count: > 0 } secrets)
        {
            spec.ImagePullSecrets = secrets.Select(s => new V1LocalObjectReference { Name = s.Name }).ToList();
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
}
