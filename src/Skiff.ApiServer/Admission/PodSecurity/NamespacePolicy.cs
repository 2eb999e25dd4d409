using k8s.Models;

namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>
/// A namespace's Pod Security policy from its labels <c>pod-security.kubernetes.io/{enforce,audit,warn}</c> and their
/// <c>-version</c> companions. A missing mode is privileged (the default of an API server without admission
/// configuration); a value that is not a level or a version makes that mode restricted:latest, as upstream does
/// with invalid labels (the most restrictive reading).
/// </summary>
public sealed record NamespacePolicy(LevelVersion Enforce, LevelVersion Audit, LevelVersion Warn)
{
    public const string LabelPrefix = "pod-security.kubernetes.io/";

    public static readonly NamespacePolicy Privileged = new(LevelVersion.PrivilegedLatest, LevelVersion.PrivilegedLatest, LevelVersion.PrivilegedLatest);

    public bool AllPrivileged => Enforce.Level == PodSecurityLevel.Privileged && Audit.Level == PodSecurityLevel.Privileged && Warn.Level == PodSecurityLevel.Privileged;

    public static NamespacePolicy From(V1Namespace? ns)
    {
        var labels = ns?.Metadata?.Labels;
        if (labels is null)
        {
            return Privileged;
        }

        return new NamespacePolicy(Mode(labels, "enforce"), Mode(labels, "audit"), Mode(labels, "warn"));
    }

    private static LevelVersion Mode(IDictionary<string, string> labels, string mode)
    {
        if (!labels.TryGetValue(LabelPrefix + mode, out var levelText))
        {
            return LevelVersion.PrivilegedLatest;
        }

        labels.TryGetValue(LabelPrefix + mode + "-version", out var versionText);
        return LevelVersion.ParseLevel(levelText) is { } level && LevelVersion.TryParseVersion(versionText, out var minor)
            ? new LevelVersion(level, minor)
            : new LevelVersion(PodSecurityLevel.Restricted, null);
    }
}
