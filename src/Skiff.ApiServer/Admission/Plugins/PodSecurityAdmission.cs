using k8s;
using k8s.Models;
using Skiff.ApiServer.Admission.PodSecurity;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Admission.Plugins;

/// <summary>
/// Upstream's PodSecurity plugin: a pod is checked against its namespace's labelled levels. Failing the
/// <c>enforce</c> level refuses it (403 <c>violates PodSecurity "restricted:latest": ...</c>); failing the
/// <c>warn</c> level adds a <c>Warning</c> header (<c>would violate PodSecurity ...</c>). Workloads with a pod
/// template (Deployment, ReplicaSet, StatefulSet, DaemonSet, Job, CronJob, ReplicationController, PodTemplate) are
/// never refused: their template only gets the warn level's warning, as upstream. Pod updates are checked only when
/// they change what the checks read and may change (ephemeral containers, the seccomp/AppArmor annotations).
/// A namespace update that changes its enforce level warns about the pods already there that violate it. Not
/// modelled: audit annotations (Skiff has no audit log), exemptions, refusing invalid label values.
/// </summary>
public sealed class PodSecurityAdmission : IAdmissionPlugin
{
    public string Name => "PodSecurity";

    public void Validate(AdmissionAttributes a)
    {
        if (a.Is(string.Empty, "namespaces"))
        {
            WarnAboutExistingPods(a);
            return;
        }

        if (a.Namespace.Length == 0 || a.Operation is not (AdmissionOperation.Create or AdmissionOperation.Update) || a.Object is null)
        {
            return;
        }

        if (a.IsPod)
        {
            if (a.Object is V1Pod pod && IsSignificant(a, pod))
            {
                ValidatePod(a, pod);
            }

            return;
        }

        if (a.Subresource.Length == 0 && PodTemplateOf(a.Object) is { } template)
        {
            WarnOnly(a, template.Metadata, template.Spec);
        }
    }

    private static void ValidatePod(AdmissionAttributes a, V1Pod pod)
    {
        var policy = PolicyOf(a);
        if (policy.AllPrivileged)
        {
            return;
        }

        var enforced = PodSecurityEvaluator.Evaluate(policy.Enforce, pod.Metadata, pod.Spec);
        if (enforced.Count > 0)
        {
            throw AdmissionErrors.Forbidden(a, $"violates PodSecurity \"{policy.Enforce}\": {CheckResult.Describe(enforced)}");
        }

        Warn(policy.Warn, pod.Metadata, pod.Spec);
    }

    private static void WarnOnly(AdmissionAttributes a, V1ObjectMeta? meta, V1PodSpec? spec)
    {
        var policy = PolicyOf(a);
        if (policy.Warn.Level != PodSecurityLevel.Privileged)
        {
            Warn(policy.Warn, meta, spec);
        }
    }

    private static void Warn(LevelVersion level, V1ObjectMeta? meta, V1PodSpec? spec)
    {
        var failures = PodSecurityEvaluator.Evaluate(level, meta, spec);
        if (failures.Count > 0)
        {
            RequestWarnings.Add($"would violate PodSecurity \"{level}\": {CheckResult.Describe(failures)}");
        }
    }

    /// <summary>
    /// A namespace update that makes its enforce level stricter or different warns about the pods already there that
    /// violate it, as upstream: one warning naming the new level, then one per set of failed checks
    /// (<c>web-1 (and 2 other pods): privileged, runAsNonRoot != true</c>). Nothing is refused.
    /// </summary>
    private static void WarnAboutExistingPods(AdmissionAttributes a)
    {
        if (a.Operation != AdmissionOperation.Update || a.Subresource.Length > 0 || a.Object is not V1Namespace ns || a.OldObject is not V1Namespace old)
        {
            return;
        }

        var enforce = NamespacePolicy.From(ns).Enforce;
        if (enforce.Level == PodSecurityLevel.Privileged || enforce == NamespacePolicy.From(old).Enforce)
        {
            return;
        }

        var groups = new SortedDictionary<string, List<string>>(StringComparer.Ordinal);
        foreach (var pod in a.Cluster.List(string.Empty, "pods", ns.Metadata.Name).OfType<V1Pod>())
        {
            var failures = PodSecurityEvaluator.Evaluate(enforce, pod.Metadata, pod.Spec);
            if (failures.Count == 0)
            {
                continue;
            }

            var reasons = string.Join(", ", failures.Select(f => f.Reason));
            if (!groups.TryGetValue(reasons, out var names))
            {
                groups[reasons] = names = [];
            }

            names.Add(pod.Metadata.Name);
        }

        if (groups.Count == 0)
        {
            return;
        }

        RequestWarnings.Add($"existing pods in namespace \"{ns.Metadata.Name}\" violate the new PodSecurity enforce level \"{enforce}\"");
        foreach (var (reasons, names) in groups.OrderBy(g => g.Value.Min(StringComparer.Ordinal), StringComparer.Ordinal))
        {
            names.Sort(StringComparer.Ordinal);
            var others = names.Count - 1;
            RequestWarnings.Add(others == 0 ? $"{names[0]}: {reasons}" : $"{names[0]} (and {others} other {(others == 1 ? "pod" : "pods")}): {reasons}");
        }
    }

    private static NamespacePolicy PolicyOf(AdmissionAttributes a) =>
        a.Cluster.Derived(string.Empty, "namespaces", null, a.Namespace, PolicyOfNamespace);

    // Kept with the namespace by the cluster view: every pod create reads it.
    private static readonly Func<IKubernetesObject<V1ObjectMeta>?, NamespacePolicy> PolicyOfNamespace = static ns => NamespacePolicy.From(ns as V1Namespace);

    /// <summary>Creates always; updates (including the ephemeralcontainers subresource) when they could change the verdict.</summary>
    private static bool IsSignificant(AdmissionAttributes a, V1Pod pod)
    {
        if (a.Operation == AdmissionOperation.Create)
        {
            return a.Subresource.Length == 0;
        }

        if (a.Subresource is not ("" or "ephemeralcontainers") || a.OldObject is not V1Pod old)
        {
            return false;
        }

        return (pod.Spec?.EphemeralContainers?.Count ?? 0) != (old.Spec?.EphemeralContainers?.Count ?? 0)
            || !SecurityAnnotations(pod).SequenceEqual(SecurityAnnotations(old));
    }

    private static IEnumerable<KeyValuePair<string, string>> SecurityAnnotations(V1Pod pod) =>
        (pod.Metadata?.Annotations ?? new Dictionary<string, string>())
            .Where(kv => kv.Key.Contains("seccomp.security.alpha.kubernetes.io/", StringComparison.Ordinal)
                || kv.Key.StartsWith("container.apparmor.security.beta.kubernetes.io/", StringComparison.Ordinal))
            .OrderBy(kv => kv.Key, StringComparer.Ordinal);

    private static V1PodTemplateSpec? PodTemplateOf(object obj) => obj switch
    {
        V1Deployment d => d.Spec?.Template,
        V1ReplicaSet r => r.Spec?.Template,
        V1StatefulSet s => s.Spec?.Template,
        V1DaemonSet ds => ds.Spec?.Template,
        V1Job j => j.Spec?.Template,
        V1CronJob cj => cj.Spec?.JobTemplate?.Spec?.Template,
        V1ReplicationController rc => rc.Spec?.Template,
        V1PodTemplate pt => pt.Template,
        _ => null,
    };
}
