using System.Net;
using System.Security.Cryptography.X509Certificates;

namespace Skiff.Kubelet.Server;

/// <summary>Settings of the kubelet's HTTPS server (the API server proxies logs, exec, attach and port-forward to it).</summary>
public sealed record KubeletServerOptions
{
    public const int DefaultPort = 10250;

    public IPAddress BindAddress { get; init; } = IPAddress.Any;

    /// <summary>0 picks a free port (tests); the bound port is on <see cref="KubeletServer.Port"/>.</summary>
    public int Port { get; init; } = DefaultPort;

    /// <summary>The serving certificate; <see cref="KubeletServingCertificate.CreateSelfSigned"/> makes one like the real kubelet does without one.</summary>
    public required X509Certificate2 ServingCertificate { get; init; }

    /// <summary>Client certificates must chain to this CA (the cluster CA that signed the API server's kubelet-client certificate).</summary>
    public X509Certificate2? ClientCa { get; init; }

    /// <summary>The API server's TokenReview and SubjectAccessReview (upstream's webhook authentication and
    /// authorization), answers cached as upstream's. Null: bearer tokens are refused and every authenticated caller is
    /// allowed (upstream's <c>AlwaysAllow</c>).</summary>
    public Auth.IKubeletReviews? Reviews { get; init; }

    /// <summary>Where containers write their logs (sandboxes' <c>log_directory</c> are below it); used when CRI gives no log path.</summary>
    public string PodLogsDirectory { get; init; } = "/var/log/pods";

    public TimeProvider Time { get; init; } = TimeProvider.System;

    /// <summary>Served on <c>/metrics</c>; none when null.</summary>
    public Observability.KubeletMetrics? Metrics { get; init; }

    /// <summary>The node's name: <c>/stats/summary</c> reports this node's pods only (several nodes may share one
    /// containerd). Null: no <c>/stats/summary</c>.</summary>
    public string? NodeName { get; init; }

    /// <summary>The kubelet's root directory: the node filesystem of <c>/stats/summary</c>.</summary>
    public string RootDirectory { get; init; } = "/var/lib/kubelet";

    /// <summary>Served under <c>/logs/</c> as upstream serves the node's <c>/var/log</c>.</summary>
    public string NodeLogDirectory { get; init; } = "/var/log";

    /// <summary>How often <c>logs -f</c> looks for new lines.</summary>
    public TimeSpan LogPollInterval { get; init; } = TimeSpan.FromMilliseconds(250);
}
