namespace Skiff.Streaming.Logs;

/// <summary>The <c>pods/log</c> query as the kubelet applies it to one log file.</summary>
/// <param name="Follow">Keep streaming new lines while the container runs.</param>
/// <param name="TailLines">Only the last N lines (before following).</param>
/// <param name="Since">Only lines written at or after this time (from sinceSeconds or sinceTime).</param>
/// <param name="Timestamps">Prefix each line with its RFC3339Nano time and a space.</param>
/// <param name="LimitBytes">Stop after this many bytes of output.</param>
public sealed record LogOptions(bool Follow = false, long? TailLines = null, DateTimeOffset? Since = null, bool Timestamps = false, long? LimitBytes = null);
