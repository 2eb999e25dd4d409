using System.Globalization;
using Skiff.Images;

namespace Skiff.Containerd;

/// <summary>
/// How to run one node's containerd. Everything it writes lives under <see cref="StateDir"/>, so several instances
/// can run side by side as long as each has its own state dir, bridge name, subnet and stream port.
/// </summary>
public sealed record ContainerdOptions
{
    /// <summary>Default bridge of the first node.</summary>
    public const string DefaultBridgeName = "skiff0";

    /// <summary>Default pod subnet of the first node.</summary>
    public const string DefaultSubnet = "10.88.0.0/24";

    /// <summary>Default port of the exec/attach/port-forward streaming server (bound to 127.0.0.1).</summary>
    public const int DefaultStreamPort = 10010;

    /// <summary>Root of everything this instance writes (config, content store, snapshots, socket, CNI state, log).</summary>
    public required string StateDir { get; init; }

    /// <summary>Linux bridge the CNI bridge plugin creates for pods (at most 15 characters).</summary>
    public string BridgeName { get; init; } = DefaultBridgeName;

    /// <summary>Pod subnet in CIDR form; the bridge gets its first address as gateway.</summary>
    public string Subnet { get; init; } = DefaultSubnet;

    /// <summary>The pod subnet is not known yet (it comes from the node's <c>spec.podCIDR</c>): start with no CNI
    /// network and ignore <see cref="Subnet"/>; <see cref="ContainerdInstance.ConfigurePodNetworkAsync"/> writes it
    /// later and containerd loads it then (its CRI plugin watches the conf dir).</summary>
    public bool DeferPodNetwork { get; init; }

    /// <summary>The MTU of the pods' interfaces and the bridge (the CNI bridge plugin's <c>mtu</c>); null leaves the
    /// plugin's default (1500). An overlay sets it below its device's (flannel's FLANNEL_MTU).</summary>
    public int? PodMtu { get; init; }

    /// <summary>Port of containerd's streaming server on 127.0.0.1 (the URLs Exec/Attach/PortForward return).</summary>
    public int StreamPort { get; init; } = DefaultStreamPort;

    /// <summary>Masquerade pod traffic leaving the subnet (needed for pods to reach anything off the node).</summary>
    public bool IpMasquerade { get; init; }

    /// <summary>Sandbox image; it must be imported before the first pod (see Skiff.Images).</summary>
    public string SandboxImage { get; init; } = WellKnownImages.Pause;

    /// <summary>containerd executable, a path or a name looked up on PATH.</summary>
    public string ContainerdBinary { get; init; } = "containerd";

    /// <summary>Directory holding the CNI plugins (Debian's containernetworking-plugins put them here).</summary>
    public string CniBinDir { get; init; } = "/usr/lib/cni";

    /// <summary>Registry mirrors, credentials and TLS (k3s's registries.yaml), rendered into containerd's
    /// configuration on every start.</summary>
    public Registries.RegistriesConfig Registries { get; init; } = Skiff.Containerd.Registries.RegistriesConfig.Empty;

    /// <summary>How long to wait for the socket to answer with RuntimeReady and NetworkReady.</summary>
    public TimeSpan StartTimeout { get; init; } = TimeSpan.FromSeconds(60);

    /// <summary>How long to wait after SIGTERM before SIGKILL on stop.</summary>
    public TimeSpan StopTimeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>containerd's gRPC (and CRI) socket: <c>&lt;state&gt;/containerd.sock</c>.</summary>
    public string SocketPath => Path.Combine(StateDir, "containerd.sock");

    public string ConfigPath => Path.Combine(StateDir, "config.toml");

    /// <summary>containerd's persistent root (content store, snapshots, metadata).</summary>
    public string RootDir => Path.Combine(StateDir, "root");

    /// <summary>containerd's volatile state dir.</summary>
    public string RunDir => Path.Combine(StateDir, "run");

    public string CniConfDir => Path.Combine(StateDir, "cni", "net.d");

    /// <summary>host-local IPAM's allocation files.</summary>
    public string CniIpamDir => Path.Combine(StateDir, "cni", "networks");

    /// <summary>Registry hosts.toml directory (mirrors), read by containerd on every pull.</summary>
    public string RegistryConfigDir => Path.Combine(StateDir, "certs.d");

    /// <summary>containerd's stdout and stderr.</summary>
    public string LogPath => Path.Combine(StateDir, "containerd.log");

    /// <summary>CNI network name; unique per bridge so results caches of different nodes do not mix.</summary>
    public string NetworkName => "skiff-" + BridgeName;

    /// <summary>
    /// Options for node number <paramref name="nodeIndex"/> on this machine: bridge <c>skiff{i}</c>, subnet
    /// <c>10.88.{i}.0/24</c>, stream port <c>10010+i</c>.
    /// </summary>
    public static ContainerdOptions ForNode(string stateDir, int nodeIndex)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(nodeIndex);
        ArgumentOutOfRangeException.ThrowIfGreaterThan(nodeIndex, 255);
        var index = nodeIndex.ToString(CultureInfo.InvariantCulture);
        return new ContainerdOptions
        {
            StateDir = stateDir,
            BridgeName = "skiff" + index,
            Subnet = $"10.88.{index}.0/24",
            StreamPort = DefaultStreamPort + nodeIndex,
        };
    }

    internal void Validate()
    {
        if (string.IsNullOrWhiteSpace(StateDir) || !Path.IsPathRooted(StateDir))
        {
            throw new ArgumentException($"StateDir must be an absolute path, got '{StateDir}'.", nameof(StateDir));
        }

        // sockaddr_un.sun_path is 108 bytes including the terminating NUL.
        if (System.Text.Encoding.UTF8.GetByteCount(SocketPath) > 107)
        {
            throw new ArgumentException($"Socket path '{SocketPath}' is longer than a unix socket allows (107 bytes); use a shorter StateDir.", nameof(StateDir));
        }

        if (BridgeName.Length is 0 or > 15 || BridgeName.Any(c => !char.IsAsciiLetterOrDigit(c) && c is not '-' and not '_'))
        {
            throw new ArgumentException($"BridgeName '{BridgeName}' must be 1-15 letters, digits, '-' or '_'.", nameof(BridgeName));
        }

        _ = Ipv4Subnet.Parse(Subnet);
        if (StreamPort is < 1 or > 65535)
        {
            throw new ArgumentOutOfRangeException(nameof(StreamPort), StreamPort, "StreamPort must be between 1 and 65535.");
        }
    }
}
