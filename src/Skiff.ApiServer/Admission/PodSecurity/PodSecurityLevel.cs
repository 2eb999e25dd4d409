namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>The Pod Security Standards' levels, from least to most restrictive.</summary>
public enum PodSecurityLevel
{
    Privileged,
    Baseline,
    Restricted,
}
