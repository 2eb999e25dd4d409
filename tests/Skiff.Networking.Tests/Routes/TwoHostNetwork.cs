using System.Diagnostics;
using System.Globalization;
using Skiff.Networking.Tests.Proxy;

namespace Skiff.Networking.Tests.Routes;

/// <summary>
/// Two "hosts" on one link, as two machines on a LAN, all in namespaces the test makes: a "lan" namespace holding a
/// Linux bridge, hosts A (10.204.0.1) and B (10.204.0.2) plugged into it by veth pairs, and behind each host one
/// "pod" namespace on its own pod range (A: 10.205.0.0/24, B: 10.205.1.0/24) routed through its host, as the CNI
/// bridge does. Nothing routes between the pod ranges until someone installs routes on the hosts. Names carry a
/// random suffix so parallel runs never meet.
/// </summary>
internal sealed class TwoHostNetwork : IAsyncDisposable
{
    public const string HostAIp = "10.204.0.1";
    public const string HostBIp = "10.204.0.2";
    public const string PodCidrA = "10.205.0.0/24";
    public const string PodCidrB = "10.205.1.0/24";
    public const string PodAIp = "10.205.0.2";
    public const string PodBIp = "10.205.1.2";

    private readonly List<Process> _listeners = [];
    private readonly string _suffix = Random.Shared.Next(0x10000, 0xfffff).ToString("x5", CultureInfo.InvariantCulture);

    public string Lan => "skrt-lan-" + _suffix;

    public string HostA => "skrt-ha-" + _suffix;

    public string HostB => "skrt-hb-" + _suffix;

    public string PodA => "skrt-pa-" + _suffix;

    public string PodB => "skrt-pb-" + _suffix;

    private IEnumerable<string> All => [Lan, HostA, HostB, PodA, PodB];

    public async Task CreateAsync()
    {
        foreach (var ns in All)
        {
            await Run("ip", "netns", "add", ns);
            await Run("ip", "-n", ns, "link", "set", "lo", "up");
        }

        await Run("ip", "-n", Lan, "link", "add", "br0", "type", "bridge");
        await Run("ip", "-n", Lan, "link", "set", "br0", "up");
        await PlugAsync(HostA, "a", HostAIp + "/24");
        await PlugAsync(HostB, "b", HostBIp + "/24");
        await PodAsync(HostA, PodA, "a", "10.205.0.1/24", PodAIp + "/24", "10.205.0.1");
        await PodAsync(HostB, PodB, "b", "10.205.1.1/24", PodBIp + "/24", "10.205.1.1");
        foreach (var host in new[] { HostA, HostB })
        {
            await Run("ip", "netns", "exec", host, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        }
    }

    /// <summary>A TCP listener on <paramref name="ip"/>:<paramref name="port"/> in <paramref name="ns"/> that answers
    /// each connection with <c>srv PEER-IP</c> (so the test sees the source address that arrived: no NAT).</summary>
    public async Task ListenAsync(string ns, string ip, int port)
    {
        var script = "import socket\n"
            + "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            + $"s.bind(('{ip}', {port})); s.listen(16); print('listening', flush=True)\n"
            + "while True:\n    c, a = s.accept(); c.sendall(('srv ' + a[0] + '\\n').encode()); c.close()\n";
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", ns, "python3", "-c", script })
        {
            start.ArgumentList.Add(a);
        }

        var process = Process.Start(start)!;
        _listeners.Add(process);
        Assert.Equal("listening", await process.StandardOutput.ReadLineAsync());
    }

    /// <summary>Connects from <paramref name="ns"/> (2 s at most) and returns the line the listener sent, or
    /// <c>timeout</c> / <c>error ...</c>.</summary>
    public static async Task<string> ConnectAsync(string ns, string ip, int port)
    {
        var script = "import socket\n"
            + "try:\n"
            + $"    s = socket.create_connection(('{ip}', {port}), timeout=2); print(s.makefile().readline().strip())\n"
            + "except OSError as e: print('timeout' if isinstance(e, socket.timeout) else 'error ' + str(e))\n";
        return (await Run("ip", "netns", "exec", ns, "python3", "-c", script)).Trim();
    }

    public static Task<string> Run(params string[] arguments) => NetworkNamespaces.RunAsync(arguments);

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners)
        {
            listener.Kill(entireProcessTree: true);
            await listener.WaitForExitAsync();
            listener.Dispose();
        }

        foreach (var ns in All.Reverse())
        {
            try
            {
                await Run("ip", "netns", "delete", ns);
            }
            catch (InvalidOperationException)
            {
                // Not created (the test failed early).
            }
        }
    }

    private async Task PlugAsync(string host, string tag, string address)
    {
        var lanSide = $"skrtl{tag}{_suffix}";
        await Run("ip", "-n", Lan, "link", "add", lanSide, "type", "veth", "peer", "name", "eth0", "netns", host);
        await Run("ip", "-n", Lan, "link", "set", lanSide, "master", "br0");
        await Run("ip", "-n", Lan, "link", "set", lanSide, "up");
        await Run("ip", "-n", host, "addr", "add", address, "dev", "eth0");
        await Run("ip", "-n", host, "link", "set", "eth0", "up");
    }

    private static async Task PodAsync(string host, string pod, string tag, string hostAddress, string podAddress, string gateway)
    {
        var hostSide = "pod" + tag;
        await Run("ip", "-n", host, "link", "add", hostSide, "type", "veth", "peer", "name", "eth0", "netns", pod);
        await Run("ip", "-n", host, "addr", "add", hostAddress, "dev", hostSide);
        await Run("ip", "-n", host, "link", "set", hostSide, "up");
        await Run("ip", "-n", pod, "addr", "add", podAddress, "dev", "eth0");
        await Run("ip", "-n", pod, "link", "set", "eth0", "up");
        await Run("ip", "-n", pod, "route", "add", "default", "via", gateway);
    }
}
