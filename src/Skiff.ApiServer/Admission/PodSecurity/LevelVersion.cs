using System.Globalization;

namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>
/// A level at a policy version, as a namespace label pair names it (<c>restricted</c> + <c>v1.25</c>, or
/// <c>latest</c>). <see cref="Minor"/> is null for <c>latest</c>, which is the server's own version.
/// </summary>
public sealed record LevelVersion(PodSecurityLevel Level, int? Minor)
{
    /// <summary>The minor version the server implements: what <c>latest</c> means.</summary>
    public const int LatestMinor = 32;

    public static readonly LevelVersion PrivilegedLatest = new(PodSecurityLevel.Privileged, null);

    public int EffectiveMinor => Minor is { } m && m < LatestMinor ? m : LatestMinor;

    /// <summary>Parses a level label value (null when missing or not a level).</summary>
    public static PodSecurityLevel? ParseLevel(string? value) => value switch
    {
        "privileged" => PodSecurityLevel.Privileged,
        "baseline" => PodSecurityLevel.Baseline,
        "restricted" => PodSecurityLevel.Restricted,
        _ => null,
    };

    /// <summary>Parses a version label value: <c>latest</c> (or missing) is null; <c>v1.N</c> is N; anything else is invalid.</summary>
    public static bool TryParseVersion(string? value, out int? minor)
    {
        minor = null;
        if (string.IsNullOrEmpty(value) || value == "latest")
        {
            return true;
        }

        if (value.StartsWith("v1.", StringComparison.Ordinal)
            && int.TryParse(value.AsSpan(3), NumberStyles.None, CultureInfo.InvariantCulture, out var n))
        {
            minor = n;
            return true;
        }

        return false;
    }

    /// <summary>As upstream prints a policy: <c>restricted:latest</c>, <c>baseline:v1.25</c>.</summary>
    public override string ToString() =>
        $"{Level.ToString().ToLowerInvariant()}:{(Minor is { } m ? $"v1.{m.ToString(CultureInfo.InvariantCulture)}" : "latest")}";
}
