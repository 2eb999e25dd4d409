using System.Globalization;

namespace Skiff.EndToEnd.Tests.MultiNode;

/// <summary>
/// A real three-node cluster: <c>skiff server</c> (with its own kubelet) and two <c>skiff agent</c>s joined with the
/// server's token, each running its own containerd (root, state and socket under its own data dir) and kubelet. With
/// <see cref="TestHosts"/> each node is a separate "machine" in its own network namespace with its own address
/// (default ports everywhere, as on real machines; kubectl runs in the server's namespace); without, the nodes share
/// this machine's namespace as README's same-machine example (loopback addresses, free ports, own bridges, and a
/// cluster range of their own so no other cluster on the machine overlaps). No pod subnet is given by hand: the
/// server's node IPAM hands them out.
/// </summary>
internal sealed class MultiNodeCluster : IAsyncDisposable
{
    public const string ServerNode = "mn-server";

    private const string SharedMachineServiceCidr = "10.46.0.0/16";
    private const int ApiPort = 6443;

    private readonly List<SkiffNodeProcess> _nodes = [];
    private readonly List<string> _bridges = [];
    private readonly string _kubectlCache = Directory.CreateTempSubdirectory("skiff-mn-kubectl-").FullName;
    private readonly TestHosts? _hosts;
    private string _serverDirectory = string.Empty;

    private MultiNodeCluster(TestHosts? hosts, string clusterCidr)
    {
        _hosts = hosts;
        ClusterCidr = clusterCidr;
    }

    public static IReadOnlyList<string> AgentNodes { get; } = ["mn-agent1", "mn-agent2"];

    public static IEnumerable<string> AllNodes => [ServerNode, .. AgentNodes];

    public string ClusterCidr { get; }

    public TestHosts? Hosts => _hosts;

    /// <summary>Whether the cluster serves DNS: only with <see cref="TestHosts"/>, where every node binds the cluster
    /// DNS address inside its own namespace (the server's control-plane DNS, the agents' node-local DNS) and this
    /// machine's own 10.43.0.10:53, owned by the shared e2e cluster, is never touched. Nodes sharing this machine's
    /// namespace run with <c>--disable-dns</c>.</summary>
    public bool ServesDns => _hosts is not null;

    private string KubeconfigPath => Path.Combine(_serverDirectory, "kubeconfig.yaml");

    /// <summary>Writes <paramref name="yaml"/> to a file for <c>kubectl apply -f</c>, in the server's directory, which
    /// goes with the cluster.</summary>
    public string WriteManifest(string yaml)
    {
        var path = Path.Combine(_serverDirectory, $"manifest-{Guid.NewGuid():N}.yaml");
        File.WriteAllText(path, yaml);
        return path;
    }

    /// <summary>Starts the server, waits for its token and node, then the agents, and waits for all three Ready.</summary>
    /// <param name="hosts">The test's network namespaces (one per node), or null to share this machine's.</param>
    /// <param name="extraArguments">Flags given to every node (e.g. <c>--flannel-backend vxlan</c>).</param>
    public static async Task<MultiNodeCluster> StartAsync(TestHosts? hosts, params string[] extraArguments)
    {
        var cluster = new MultiNodeCluster(hosts, hosts is null ? FreeClusterCidr() : "10.42.0.0/16");
        try
        {
            await cluster.StartNodesAsync(extraArguments);
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    private async Task StartNodesAsync(string[] extraArguments)
    {
        _serverDirectory = Directory.CreateTempSubdirectory("skiff-mn-server-").FullName;
        // The local images are built from the host's Debian packages (apt-get download): in this machine's namespace,
        // before any node starts, since the test's namespaces reach nothing outside. The nodes then find them cached.
        var images = await ProcessRunner.RunAsync("dotnet", [RepositoryPaths.SkiffDll, "images", "--cache-dir", Path.Combine(_serverDirectory, "images")], null, TimeSpan.FromMinutes(8), CancellationToken.None);
        Assert.True(images.ExitCode == 0, "skiff images: " + images);
        var server = _hosts is null
            ? SkiffNodeProcess.Start(null, _serverDirectory,
            [
                "server", "--port", Port(), "--kubelet-port", Port(), "--stream-port", Port(), "--bridge-name", Bridge(0),
                "--node-name", ServerNode, "--cluster-cidr", ClusterCidr, "--offline-images", "--disable-dns",
                // Its own Service range (the agents' too): its proxies' rules share this machine's kernel with the
                // shared e2e cluster's, and must neither translate nor drop that cluster's 10.43.0.0/16 addresses.
                "--service-cidr", SharedMachineServiceCidr, .. extraArguments,
            ])
            : SkiffNodeProcess.Start(_hosts.Host(0), _serverDirectory,
            [
                "server", "--bind-address", _hosts.Address(0), "--port", ApiPort.ToString(CultureInfo.InvariantCulture),
                "--node-ip", _hosts.Address(0), "--node-name", ServerNode, "--offline-images", .. extraArguments,
            ]);
        _nodes.Add(server);
        await WaitForNodeReadyAsync(ServerNode, server, TimeSpan.FromMinutes(8)); // the first start builds the images

        var serverUrl = _hosts is null
            ? (await File.ReadAllLinesAsync(KubeconfigPath)).Select(l => l.Trim()).First(l => l.StartsWith("server: ", StringComparison.Ordinal))["server: ".Length..]
            : $"https://{_hosts.Address(0)}:{ApiPort.ToString(CultureInfo.InvariantCulture)}";
        var agents = new List<SkiffNodeProcess>();
        for (var i = 0; i < AgentNodes.Count; i++)
        {
            var directory = Directory.CreateTempSubdirectory("skiff-mn-agent-").FullName;
            // The images are a cache of archives built from the host's packages: seed it from the server's.
            CopyDirectory(Path.Combine(_serverDirectory, "images"), Path.Combine(directory, "images"));
            string[] common = ["agent", "--server", serverUrl, "--token-file", Path.Combine(_serverDirectory, "token"), "--node-name", AgentNodes[i], "--offline-images"];
            var agent = _hosts is null
                ? SkiffNodeProcess.Start(null, directory,
                [
                    .. common, "--kubelet-port", Port(), "--stream-port", Port(), "--bridge-name", Bridge(i + 1), "--cluster-cidr", ClusterCidr, "--disable-dns",
                    "--service-cidr", SharedMachineServiceCidr, .. extraArguments,
                ])
                : SkiffNodeProcess.Start(_hosts.Host(i + 1), directory, [.. common, "--node-ip", _hosts.Address(i + 1), .. extraArguments]);
            _nodes.Add(agent);
            agents.Add(agent);
        }

        for (var i = 0; i < AgentNodes.Count; i++)
        {
            await WaitForNodeReadyAsync(AgentNodes[i], agents[i], TimeSpan.FromMinutes(5));
        }
    }

    /// <summary>The agent process of <c>AgentNodes[index]</c>.</summary>
    public SkiffNodeProcess Agent(int index) => _nodes[index + 1];

    public string Logs() => string.Join("\n", _nodes.Select((n, i) => $"--- node {i.ToString(CultureInfo.InvariantCulture)} log:\n{n.ReadLog()}"));

    /// <summary>Runs the real kubectl against this cluster (in the server's namespace when the nodes have their own).</summary>
    public Task<CommandResult> KubectlAsync(IEnumerable<string> arguments, TimeSpan? timeout = null)
    {
        IEnumerable<string> kubectl = ["kubectl", "--kubeconfig", KubeconfigPath, "--cache-dir", _kubectlCache, .. arguments];
        if (_hosts is not null)
        {
            kubectl = ["netns", "exec", _hosts.Host(0), .. kubectl];
            return ProcessRunner.RunAsync("ip", kubectl, null, timeout ?? TimeSpan.FromSeconds(60), CancellationToken.None);
        }

        var list = kubectl.ToList();
        return ProcessRunner.RunAsync(list[0], list.Skip(1), null, timeout ?? TimeSpan.FromSeconds(60), CancellationToken.None);
    }

    public async Task<CommandResult> KubectlOkAsync(params string[] arguments)
    {
        var result = await KubectlAsync(arguments, TimeSpan.FromMinutes(6));
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)}: {result}\n{Logs()}");
        return result;
    }

    public async ValueTask DisposeAsync()
    {
        if (_nodes.Count > 0 && !_nodes[0].HasExited)
        {
            // Leave no containers behind: graceful deletes return once each kubelet has torn its pods down.
            await KubectlAsync(["delete", "deployments,pods", "--all", "--grace-period=1", "--timeout=90s"], TimeSpan.FromSeconds(100));
        }

        foreach (var node in Enumerable.Reverse(_nodes))
        {
            await node.DisposeAsync();
        }

        foreach (var bridge in _bridges)
        {
            await ProcessRunner.RunAsync("ip", ["link", "del", bridge], null, TimeSpan.FromSeconds(10), CancellationToken.None);
        }

        foreach (var node in _nodes)
        {
            TryDelete(node.DataDirectory);
        }

        TryDelete(_kubectlCache);
    }

    private async Task WaitForNodeReadyAsync(string node, SkiffNodeProcess process, TimeSpan bound)
    {
        var deadline = DateTime.UtcNow + bound;
        while (true)
        {
            Assert.False(process.HasExited, $"the process of node {node} exited:\n{process.ReadLog()}");
            if (File.Exists(KubeconfigPath))
            {
                var ready = await KubectlAsync(["get", "node", node, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status} {.spec.podCIDR}"], TimeSpan.FromSeconds(20));
                var fields = ready.Stdout.Trim().Split(' ');
                if (ready.ExitCode == 0 && fields is ["True", { Length: > 0 }])
                {
                    return;
                }
            }

            Assert.True(DateTime.UtcNow < deadline, $"node {node} not Ready with a pod CIDR within {bound}:\n{process.ReadLog()}");
            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    private static string Port() => LoopbackPort.Free().ToString(CultureInfo.InvariantCulture);

    private string Bridge(int index)
    {
        var name = $"skmn{index.ToString(CultureInfo.InvariantCulture)}{Random.Shared.Next(0x10000, 0xfffff).ToString("x5", CultureInfo.InvariantCulture)}";
        _bridges.Add(name);
        return name;
    }

    /// <summary>A /16 of 10.220-239.0.0 that no route of this machine overlaps (shared-machine mode only: the pod
    /// ranges and bridges then live in this machine's routing table beside every other cluster's).</summary>
    private static string FreeClusterCidr()
    {
        var routes = File.ReadAllLines("/proc/net/route").Skip(1)
            .Select(l => l.Split('\t', StringSplitOptions.RemoveEmptyEntries))
            .Where(f => f.Length > 7)
            .Select(f => (Destination: uint.Parse(f[1], NumberStyles.HexNumber, CultureInfo.InvariantCulture), Mask: uint.Parse(f[7], NumberStyles.HexNumber, CultureInfo.InvariantCulture)))
            .ToList();
        for (var attempt = 0; attempt < 100; attempt++)
        {
            var second = Random.Shared.Next(220, 240);
            // /proc/net/route is little-endian: 10.x.0.0/16 reads as 0x0000xx0a, mask 0x0000ffff.
            var network = (uint)(10 | (second << 8));
            if (!routes.Any(r => r.Mask != 0 && ((r.Destination & 0xffff & r.Mask) == (network & r.Mask & 0xffff))))
            {
                return $"10.{second.ToString(CultureInfo.InvariantCulture)}.0.0/16";
            }
        }

        throw new InvalidOperationException("no free 10.220-239.0.0/16 on this machine");
    }

    private static void CopyDirectory(string source, string target)
    {
        if (!Directory.Exists(source))
        {
            return;
        }

        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination, overwrite: true);
        }
    }

    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
