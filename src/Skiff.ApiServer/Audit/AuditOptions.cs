namespace Skiff.ApiServer.Audit;

/// <summary>kube-apiserver's audit log flags: <c>--audit-policy-file</c>, <c>--audit-log-path</c> (<c>-</c> is
/// standard output), and the rotation flags <c>--audit-log-maxage</c> (days), <c>--audit-log-maxbackup</c> (files)
/// and <c>--audit-log-maxsize</c> (megabytes; 0 means lumberjack's default of 100).</summary>
public sealed record AuditOptions
{
    public required string PolicyFile { get; init; }

    public required string LogPath { get; init; }

    public int MaxAgeDays { get; init; }

    public int MaxBackups { get; init; }

    public int MaxSizeMegabytes { get; init; }

    /// <summary>Events waiting to be written before new ones are dropped (the writer never blocks a request).</summary>
    public int BufferSize { get; init; } = 10_000;
}
