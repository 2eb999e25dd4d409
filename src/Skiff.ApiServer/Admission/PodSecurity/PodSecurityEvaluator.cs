using k8s.Models;

namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>
/// Evaluates a pod against a level at a version, in upstream's order: the baseline checks a restricted check does
/// not replace, then (baseline) the replaced ones or (restricted) the restricted checks; within each group in the
/// order of upstream's check ids. Privileged allows everything.
/// </summary>
public static class PodSecurityEvaluator
{
    /// <summary>Every check, in upstream's registration order (its source files' order).</summary>
    public static readonly IReadOnlyList<PodSecurityCheck> Checks =
    [
        new("allowPrivilegeEscalation", PodSecurityLevel.Restricted, 8, RestrictedChecks.AllowPrivilegeEscalation),
        new("appArmorProfile", PodSecurityLevel.Baseline, 0, BaselineChecks.AppArmorProfile),
        new("capabilities_baseline", PodSecurityLevel.Baseline, 0, BaselineChecks.CapabilitiesBaseline, Overlap: true),
        new("capabilities_restricted", PodSecurityLevel.Restricted, 22, RestrictedChecks.CapabilitiesRestricted),
        new("hostNamespaces", PodSecurityLevel.Baseline, 0, BaselineChecks.HostNamespaces),
        new("hostPathVolumes", PodSecurityLevel.Baseline, 0, BaselineChecks.HostPathVolumes, Overlap: true),
        new("hostPorts", PodSecurityLevel.Baseline, 0, BaselineChecks.HostPorts),
        new("privileged", PodSecurityLevel.Baseline, 0, BaselineChecks.Privileged),
        new("procMount", PodSecurityLevel.Baseline, 0, BaselineChecks.ProcMount),
        new("restrictedVolumes", PodSecurityLevel.Restricted, 0, RestrictedChecks.RestrictedVolumes),
        new("runAsNonRoot", PodSecurityLevel.Restricted, 0, RestrictedChecks.RunAsNonRoot),
        new("runAsUser", PodSecurityLevel.Restricted, 23, RestrictedChecks.RunAsUser),
        new("seLinuxOptions", PodSecurityLevel.Baseline, 0, BaselineChecks.SELinuxOptions),
        new("seccompProfile_baseline", PodSecurityLevel.Baseline, 0, BaselineChecks.SeccompProfileBaseline, Overlap: true),
        new("seccompProfile_restricted", PodSecurityLevel.Restricted, 19, RestrictedChecks.SeccompProfileRestricted),
        new("sysctls", PodSecurityLevel.Baseline, 0, BaselineChecks.Sysctls),
        new("windowsHostProcess", PodSecurityLevel.Baseline, 0, BaselineChecks.WindowsHostProcess),
    ];

    /// <summary>The failed checks, in upstream's order; empty when the pod is allowed.</summary>
    public static IReadOnlyList<CheckResult> Evaluate(LevelVersion policy, V1ObjectMeta? meta, V1PodSpec? spec)
    {
        if (policy.Level == PodSecurityLevel.Privileged)
        {
            return [];
        }

        meta ??= new V1ObjectMeta();
        spec ??= new V1PodSpec();
        var minor = policy.EffectiveMinor;
        var applicable = Checks.Where(c => c.MinimumMinor <= minor).ToList();
        IEnumerable<PodSecurityCheck> ordered = policy.Level == PodSecurityLevel.Baseline
            ? applicable.Where(c => c is { Level: PodSecurityLevel.Baseline, Overlap: false })
                .Concat(applicable.Where(c => c is { Level: PodSecurityLevel.Baseline, Overlap: true }))
            : applicable.Where(c => c is { Level: PodSecurityLevel.Baseline, Overlap: false })
                .Concat(applicable.Where(c => c.Level == PodSecurityLevel.Restricted));
        return [.. ordered.Select(c => c.Evaluate(meta, spec, minor)).OfType<CheckResult>()];
    }
}
