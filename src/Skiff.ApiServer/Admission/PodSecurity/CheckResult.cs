namespace Skiff.ApiServer.Admission.PodSecurity;

/// <summary>One failed check: a short reason (<c>privileged</c>) and what to change (<c>container "c" must not set ...</c>).</summary>
public sealed record CheckResult(string Reason, string Detail)
{
    /// <summary>As upstream joins failed checks: <c>reason (detail), reason (detail)</c>.</summary>
    public static string Describe(IEnumerable<CheckResult> failures) =>
        string.Join(", ", failures.Select(f => f.Detail.Length > 0 ? $"{f.Reason} ({f.Detail})" : f.Reason));
}
