using System.CommandLine;
using Skiff.Hosting;

namespace Skiff.Commands;

/// <summary>The kubelet flags shared by <c>skiff server</c> and <c>skiff agent</c>.</summary>
internal sealed class AgentOptions
{
    private readonly Option<string> _nodeName = new("--node-name") { Description = "Name of this node (default: the host name).", DefaultValueFactory = _ => Environment.MachineName.ToLowerInvariant() };
    private readonly Option<string> _nodeIp = new("--node-ip") { Description = "Address of this node: its InternalIP and where its kubelet listens.", DefaultValueFactory = _ => "127.0.0.1" };
    private readonly Option<int> _kubeletPort = new("--kubelet-port") { Description = "HTTPS port of the kubelet.", DefaultValueFactory = _ => 10250 };
    private readonly Option<string?> _runtimeEndpoint = new("--container-runtime-endpoint") { Description = "CRI socket of a running containerd; by default Skiff starts its own." };
    private readonly Option<string?> _podCidr = new("--pod-cidr") { Description = "Pod subnet of this node (default: the one the server gives the node, from --cluster-cidr)." };
    private readonly Option<string> _bridge = new("--bridge-name") { Description = "Linux bridge for this node's pods.", DefaultValueFactory = _ => "skiff0" };
    private readonly Option<int> _streamPort = new("--stream-port") { Description = "Port of the runtime's streaming server on 127.0.0.1.", DefaultValueFactory = _ => 10010 };
    private readonly Option<string?> _manifests = new("--pod-manifest-path") { Description = "Directory of static pod manifests (default: <data-dir>/agent/pod-manifests)." };
    private readonly Option<string?> _clusterDns = new("--cluster-dns") { Description = "The cluster DNS address written into pods' resolv.conf (default: the tenth address of --service-cidr, 10.43.0.10 for the default range)." };
    private readonly Option<string> _clusterDomain = new("--cluster-domain") { Description = "The cluster's DNS domain.", DefaultValueFactory = _ => "cluster.local" };
    private readonly Option<bool> _offlineImages = new("--offline-images") { Description = "This node reaches no registry: imagePullPolicy Always uses an image already present instead of pulling (missing images are still pulled)." };
    private readonly Option<bool> _skipImages = new("--skip-images") { Description = "Do not build and import the local pause, busybox and nginx images." };

    private readonly Option<string> _flannelBackend = CreateFlannelBackend();

    private readonly Option<bool> _disableProxy = new("--disable-kube-proxy") { Description = "Run no service proxy (nftables rules for Services) on this node." };

    private readonly Option<bool> _disableNetworkPolicy = new("--disable-network-policy") { Description = "Enforce no NetworkPolicy on this node (its rules live in the service proxy's table)." };

    public static AgentOptions Create() => new();

    public void AddTo(Command command)
    {
        command.Options.Add(_nodeName);
        command.Options.Add(_nodeIp);
        command.Options.Add(_kubeletPort);
        command.Options.Add(_runtimeEndpoint);
        command.Options.Add(_podCidr);
        command.Options.Add(_bridge);
        command.Options.Add(_streamPort);
        command.Options.Add(_manifests);
        command.Options.Add(_offlineImages);
        command.Options.Add(_skipImages);
        command.Options.Add(_clusterDns);
        command.Options.Add(_clusterDomain);
        command.Options.Add(_disableProxy);
        command.Options.Add(_disableNetworkPolicy);
        command.Options.Add(_flannelBackend);
    }

    private static Option<string> CreateFlannelBackend()
    {
        var option = new Option<string>("--flannel-backend")
        {
            Description = "How pods reach pods on other nodes: auto (host-gw to nodes on a shared link, vxlan to the others), vxlan (flannel's: VXLAN device skiff.1, VNI 1, UDP 8472), host-gw (routes to each node's pod subnet via its address, nodes on one link) or none.",
            DefaultValueFactory = _ => "auto",
        };
        option.AcceptOnlyFromAmong([.. Networking.Routes.PodNetworkBackends.Names]);
        return option;
    }

    public AgentSettings Read(ParseResult parse) => new()
    {
        NodeName = parse.GetValue(_nodeName)!,
        NodeIp = parse.GetValue(_nodeIp)!,
        KubeletPort = parse.GetValue(_kubeletPort),
        RuntimeEndpoint = parse.GetValue(_runtimeEndpoint),
        PodCidr = parse.GetValue(_podCidr) is { Length: > 0 } podCidr ? podCidr : null,
        BridgeName = parse.GetValue(_bridge)!,
        StreamPort = parse.GetValue(_streamPort),
        PodManifestPath = parse.GetValue(_manifests),
        EnsureImages = !parse.GetValue(_skipImages),
        ClusterDns = parse.GetValue(_clusterDns) is { Length: > 0 } dns ? System.Net.IPAddress.Parse(dns) : null,
        ClusterDomain = parse.GetValue(_clusterDomain)!,
        DisableServiceProxy = parse.GetValue(_disableProxy),
        DisableNetworkPolicy = parse.GetValue(_disableNetworkPolicy),
        DisablePodRoutes = parse.GetValue(_flannelBackend) == "none",
        PodNetworkBackend = Networking.Routes.PodNetworkBackends.Parse(parse.GetValue(_flannelBackend)!),
        OfflineImages = parse.GetValue(_offlineImages),
    };
}
