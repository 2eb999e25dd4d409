using Skiff.Client.Leases;

namespace Skiff.Controllers;

/// <summary>How the controller manager runs (kube-controller-manager's flags that matter here).</summary>
public sealed record ControllerManagerOptions
{
    /// <summary>This candidate's name on the Lease.</summary>
    public string Identity { get; init; } = LeaderElectionConfig.NewIdentity();

    /// <summary>Compete for Lease kube-system/kube-controller-manager (false: run at once, for tests).</summary>
    public bool LeaderElect { get; init; } = true;

    /// <summary>Workers per controller (upstream's --concurrent-*-syncs default 5).</summary>
    public int Workers { get; init; } = 5;

    /// <summary>The cluster CA bundle (PEM) published as ConfigMap <c>kube-root-ca.crt</c> in every namespace
    /// (upstream's --root-ca-file; null: the publisher does not run).</summary>
    public string? RootCaBundle { get; init; }

    /// <summary>How long a node's Lease may go unrenewed before the node is Unknown (upstream's
    /// --node-monitor-grace-period, 50 s in v1.32).</summary>
    public TimeSpan NodeMonitorGracePeriod { get; init; } = TimeSpan.FromSeconds(50);

    /// <summary>The pods' range, cut into one block per node by the node IPAM controller (<c>--cluster-cidr</c>,
    /// k3s's default); null or empty: nodes get no range from the controller manager.</summary>
    public string? ClusterCidr { get; init; } = DefaultClusterCidr;

    /// <summary>Prefix length of each node's block (<c>--node-cidr-mask-size</c>).</summary>
    public int NodeCidrMaskSize { get; init; } = DefaultNodeCidrMaskSize;

    /// <summary>The CA (PEM certificate and key) the csrsigning controller issues certificates with (upstream's
    /// --cluster-signing-cert-file/--cluster-signing-key-file); null: CertificateSigningRequests are not signed.</summary>
    public (string CertificatePem, string KeyPem)? ClusterSigning { get; init; }

    /// <summary>The longest validity the signer gives (upstream's --cluster-signing-duration, 8760h).</summary>
    public TimeSpan ClusterSigningDuration { get; init; } = TimeSpan.FromDays(365);

    public const string DefaultClusterCidr = "10.42.0.0/16";

    public const int DefaultNodeCidrMaskSize = 24;
}
