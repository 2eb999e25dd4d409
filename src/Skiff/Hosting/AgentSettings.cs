namespace Skiff.Hosting;

/// <summary>What the kubelet of one node (in <c>skiff server</c> or <c>skiff agent</c>) was asked to run.</summary>
internal sealed record AgentSettings
{
    public required string NodeName { get; init; }

    /// <summary>The node's address: reported as InternalIP (pods' hostIP) and where its kubelet listens. Loopback by
    /// default, so a one-machine cluster sends no traffic off the machine.</summary>
    public required string NodeIp { get; init; }

    /// <summary>The kubelet's HTTPS port (logs, exec, port-forward).</summary>
    public required int KubeletPort { get; init; }

    /// <summary>An existing CRI socket; null starts an embedded containerd under the agent's data dir.</summary>
    public string? RuntimeEndpoint { get; init; }

    /// <summary><c>--pod-cidr</c>: the node's pod subnet given by hand (the CNI bridge hands out addresses from it);
    /// null: the node's <c>spec.podCIDR</c>, given by the server's node IPAM controller after registration.</summary>
    public string? PodCidr { get; init; }

    /// <summary>The Linux bridge of this node's pods (embedded containerd only).</summary>
    public required string BridgeName { get; init; }

    /// <summary>The port of the runtime's exec/attach/port-forward streaming server on 127.0.0.1 (embedded containerd only).</summary>
    public required int StreamPort { get; init; }

    /// <summary>Directory of static pod manifests.</summary>
    public string? PodManifestPath { get; init; }

    /// <summary>The cluster DNS address pods are given (<c>--cluster-dns</c>); null: 10.43.0.10, or for
    /// <c>skiff server</c> the tenth address of its service range.</summary>
    public System.Net.IPAddress? ClusterDns { get; init; }

    /// <summary>The cluster's DNS domain (<c>--cluster-domain</c>).</summary>
    public string ClusterDomain { get; init; } = "cluster.local";
    /// <summary>No registry is reachable (<c>--offline-images</c>): <c>imagePullPolicy: Always</c> uses a present image.</summary>
    public bool OfflineImages { get; init; }

    /// <summary>Build and import the local images (pause, busybox, nginx) before starting.</summary>
    public bool EnsureImages { get; init; } = true;

    /// <summary>The cluster's pod range: this node's pod traffic to anywhere outside it is masqueraded (k3s's
    /// <c>--cluster-cidr</c>; <c>skiff server</c> passes its own).</summary>
    public string ClusterCidr { get; init; } = Controllers.ControllerManagerOptions.DefaultClusterCidr;

    /// <summary>The cluster's Service range (<c>skiff server</c>'s <c>--service-cidr</c>; the agent's own flag): the
    /// service proxy drops traffic to its unallocated addresses, and the cluster DNS address defaults to its tenth.</summary>
    public string ServiceCidr { get; init; } = ClusterDnsAddress.DefaultServiceCidr;

    /// <summary>Install no routes to the other nodes' pod ranges (<c>--flannel-backend none</c>, as k3s).</summary>
    public bool DisablePodRoutes { get; init; }

    /// <summary><c>--flannel-backend</c>: how pods reach pods on other nodes (auto, vxlan, host-gw).</summary>
    public Networking.Routes.PodNetworkBackend PodNetworkBackend { get; init; } = Networking.Routes.PodNetworkBackend.Auto;

    /// <summary>Run no service proxy on this node (k3s's <c>--disable-kube-proxy</c>).</summary>
    public bool DisableServiceProxy { get; init; }

    /// <summary>Enforce no NetworkPolicy on this node (k3s's <c>--disable-network-policy</c>). Policies are chains of
    /// the service proxy's table, so <see cref="DisableServiceProxy"/> also turns them off.</summary>
    public bool DisableNetworkPolicy { get; init; }

    /// <summary><c>skiff agent</c>: serve cluster DNS on this node (node-local, unless this machine already serves
    /// it). <c>skiff server</c>'s own node leaves it to the control plane's DNS.</summary>
    public bool RunClusterDns { get; init; }

    /// <summary><c>skiff agent</c>: renew the node's client certificate through a CertificateSigningRequest before it
    /// expires (the kubelet's <c>--rotate-certificates</c>).</summary>
    public bool RotateCertificates { get; init; } = true;
}
