using k8s.Models;

namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>
/// One check of the standards: its upstream id, the level it belongs to, the first policy version it applies to,
/// and whether it is a baseline check that a restricted check replaces (upstream's Overlap: evaluated for baseline
/// only, so a restricted evaluation does not report the same problem twice). <see cref="Evaluate"/> gets the
/// policy's minor version for checks whose rules changed across versions; null means allowed.
/// </summary>
public sealed record PodSecurityCheck(
    string Id,
    PodSecurityLevel Level,
    int MinimumMinor,
    Func<V1ObjectMeta, V1PodSpec, int, CheckResult?> Evaluate,
    bool Overlap = false);
