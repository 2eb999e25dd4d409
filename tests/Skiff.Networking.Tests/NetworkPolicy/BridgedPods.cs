using System.Diagnostics;
using System.Globalization;
using Skiff.Networking.Tests.Proxy;

namespace Skiff.Networking.Tests.NetworkPolicy;

/// <summary>
/// A node namespace with a bridge (10.202.0.1/24) and "pods": namespaces on veth pairs into that bridge, as the CNI
/// bridge plugin wires them (10.202.0.2, .3, ...), so pod-to-pod traffic is bridged and meets the node's forward hook
/// through br_netfilter (on by default in a new namespace). No traffic leaves these namespaces; names carry a random
/// suffix so that parallel runs never meet.
/// </summary>
internal sealed class BridgedPods : IAsyncDisposable
{
    public const string PodCidr = "10.202.0.0/24";
    public const string NodeIp = "10.202.0.1";

    private readonly string _suffix = Random.Shared.Next(0x10000, 0xfffff).ToString("x5", CultureInfo.InvariantCulture);
    private readonly Dictionary<string, (string Netns, string Ip)> _pods = new(StringComparer.Ordinal);
    private readonly List<Process> _listeners = [];

    public string Node => "sknp-node-" + _suffix;

    public string Ip(string pod) => _pods[pod].Ip;

    public string Netns(string pod) => _pods[pod].Netns;

    public async Task CreateAsync(params string[] pods)
    {
        var bridge = "sknpbr" + _suffix;
        await NetworkNamespaces.RunAsync("ip", "netns", "add", Node);
        await NetworkNamespaces.RunAsync("ip", "-n", Node, "link", "set", "lo", "up");
        await NetworkNamespaces.RunAsync("ip", "-n", Node, "link", "add", bridge, "type", "bridge");
        await NetworkNamespaces.RunAsync("ip", "-n", Node, "addr", "add", NodeIp + "/24", "dev", bridge);
        await NetworkNamespaces.RunAsync("ip", "-n", Node, "link", "set", bridge, "up");
        await NetworkNamespaces.RunAsync("ip", "netns", "exec", Node, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1", "net.bridge.bridge-nf-call-iptables=1");
        for (var i = 0; i < pods.Length; i++)
        {
            var netns = $"sknp-{i}-{_suffix}";
            var ip = $"10.202.0.{(i + 2).ToString(CultureInfo.InvariantCulture)}";
            var nodeSide = $"sknp{i}n{_suffix}";
            _pods[pods[i]] = (netns, ip);
            await NetworkNamespaces.RunAsync("ip", "netns", "add", netns);
            await NetworkNamespaces.RunAsync("ip", "-n", netns, "link", "set", "lo", "up");
            await NetworkNamespaces.RunAsync("ip", "-n", Node, "link", "add", nodeSide, "type", "veth", "peer", "name", "eth0", "netns", netns);
            await NetworkNamespaces.RunAsync("ip", "-n", Node, "link", "set", nodeSide, "master", bridge, "up");
            await NetworkNamespaces.RunAsync("ip", "-n", netns, "addr", "add", ip + "/24", "dev", "eth0");
            await NetworkNamespaces.RunAsync("ip", "-n", netns, "link", "set", "eth0", "up");
            await NetworkNamespaces.RunAsync("ip", "-n", netns, "route", "add", "default", "via", NodeIp);
        }
    }

    /// <summary>A TCP listener in <paramref name="netns"/> on <paramref name="ip"/> that answers each connection with
    /// <c>srv PEER-IP</c> (a reply: it reaches the client only if replies pass).</summary>
    public async Task ListenAsync(string netns, string ip, int port)
    {
        var script = "import socket\n"
            + "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            + $"s.bind(('{ip}', {port})); s.listen(64); print('listening', flush=True)\n"
            + "while True:\n    c, a = s.accept(); c.sendall(('srv ' + a[0] + '\\n').encode()); c.close()\n";
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", netns, "python3", "-c", script })
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start)!;
        _listeners.Add(process);
        Assert.Equal("listening", await process.StandardOutput.ReadLineAsync());
    }

    /// <summary>Connects from pod <paramref name="from"/>: the server's first line, <c>refused</c> or <c>timeout</c>.</summary>
    public async Task<string> ConnectAsync(string from, string ip, int port, double timeoutSeconds = 2)
    {
        var script = "import socket\n"
            + "try:\n"
            + $"    s = socket.create_connection(('{ip}', {port}), timeout={timeoutSeconds.ToString(CultureInfo.InvariantCulture)}); print(s.makefile().readline().strip())\n"
            + "except ConnectionRefusedError: print('refused')\n"
            + "except OSError as e: print('timeout' if isinstance(e, socket.timeout) else 'error ' + str(e))\n";
        return (await NetworkNamespaces.RunAsync("ip", "netns", "exec", Netns(from), "python3", "-c", script)).Trim();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners)
        {
            listener.Kill(entireProcessTree: true);
            await listener.WaitForExitAsync();
            listener.Dispose();
        }

        foreach (var ns in _pods.Values.Select(p => p.Netns).Append(Node))
        {
            try
            {
                await NetworkNamespaces.RunAsync("ip", "netns", "delete", ns);
            }
            catch (InvalidOperationException)
            {
                // Not created (the test failed early).
            }
        }
    }
}
