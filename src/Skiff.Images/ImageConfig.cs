namespace Skiff.Images;

/// <summary>The runtime part of an OCI image config (what <c>config</c> holds in the config blob).</summary>
public sealed record ImageConfig
{
    public IReadOnlyList<string>? Entrypoint { get; init; }

    public IReadOnlyList<string>? Cmd { get; init; }

    public IReadOnlyList<string> Env { get; init; } = ["PATH=/usr/local/sbin:/usr/local/bin:/usr/sbin:/usr/bin:/sbin:/bin"];

    public string? User { get; init; }

    public string? WorkingDir { get; init; }

    public IReadOnlyList<string> ExposedPorts { get; init; } = [];

    /// <summary>Signal CRI's StopContainer sends first, e.g. SIGQUIT for nginx's graceful stop.</summary>
    public string? StopSignal { get; init; }
}
