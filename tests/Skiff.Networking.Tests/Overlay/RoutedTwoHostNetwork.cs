using System.Globalization;
using Skiff.Networking.Tests.Routes;

namespace Skiff.Networking.Tests.Overlay;

/// <summary>
/// Two "hosts" that do NOT share a link, as two machines in different subnets: host A (10.204.10.1/24) and host B
/// (10.204.20.1/24) each on a veth pair to a "router" namespace that forwards between the subnets, and behind each
/// host one "pod" namespace on its own pod range (A: 10.205.0.0/24, B: 10.205.1.0/24). The router knows nothing of
/// the pod ranges, so host-gw routes cannot work (the next hop is not on a link) and only an overlay carries pod
/// traffic. All in namespaces the test makes, with a random suffix.
/// </summary>
internal sealed class RoutedTwoHostNetwork : IAsyncDisposable
{
    public const string HostAIp = "10.204.10.1";
    public const string HostBIp = "10.204.20.1";
    public const string PodCidrA = "10.205.0.0/24";
    public const string PodCidrB = "10.205.1.0/24";
    public const string PodAIp = "10.205.0.2";
    public const string PodBIp = "10.205.1.2";

    private readonly string _suffix = Random.Shared.Next(0x10000, 0xfffff).ToString("x5", CultureInfo.InvariantCulture);
    private readonly List<string> _made = [];
    private readonly List<System.Diagnostics.Process> _listeners = [];

    public string Router => "skvx-rt-" + _suffix;

    public string HostA => "skvx-ha-" + _suffix;

    public string HostB => "skvx-hb-" + _suffix;

    public string PodA => "skvx-pa-" + _suffix;

    public string PodB => "skvx-pb-" + _suffix;

    public async Task CreateAsync()
    {
        foreach (var ns in new[] { Router, HostA, HostB, PodA, PodB })
        {
            await TwoHostNetwork.Run("ip", "netns", "add", ns);
            _made.Add(ns);
            await TwoHostNetwork.Run("ip", "-n", ns, "link", "set", "lo", "up");
        }

        await TwoHostNetwork.Run("ip", "netns", "exec", Router, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        await WireAsync(HostA, "eth0", HostAIp + "/24", "eth0", "10.204.10.254/24");
        await WireAsync(HostB, "eth0", HostBIp + "/24", "eth1", "10.204.20.254/24");
        await TwoHostNetwork.Run("ip", "-n", HostA, "route", "add", "default", "via", "10.204.10.254");
        await TwoHostNetwork.Run("ip", "-n", HostB, "route", "add", "default", "via", "10.204.20.254");
        await PodAsync(HostA, PodA, "10.205.0.1/24", PodAIp + "/24", "10.205.0.1");
        await PodAsync(HostB, PodB, "10.205.1.1/24", PodBIp + "/24", "10.205.1.1");
        foreach (var host in new[] { HostA, HostB })
        {
            await TwoHostNetwork.Run("ip", "netns", "exec", host, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        }
    }

    /// <summary>The TCP listener of <see cref="TwoHostNetwork"/>: answers <c>srv PEER-IP</c>.</summary>
    public async Task ListenAsync(string ns, string ip, int port)
    {
        var script = "import socket\n"
            + "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            + $"s.bind(('{ip}', {port})); s.listen(16); print('listening', flush=True)\n"
            + "while True:\n    c, a = s.accept(); c.sendall(('srv ' + a[0] + '\\n').encode()); c.close()\n";
        var start = new System.Diagnostics.ProcessStartInfo("ip") { RedirectStandardOutput = true, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", ns, "python3", "-c", script })
        {
            start.ArgumentList.Add(a);
        }

        var process = System.Diagnostics.Process.Start(start)!;
        _listeners.Add(process);
        Assert.Equal("listening", await process.StandardOutput.ReadLineAsync());
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners)
        {
            listener.Kill(entireProcessTree: true);
            await listener.WaitForExitAsync();
            listener.Dispose();
        }

        foreach (var ns in Enumerable.Reverse(_made))
        {
            try
            {
                await TwoHostNetwork.Run("ip", "netns", "delete", ns);
            }
            catch (InvalidOperationException)
            {
            }
        }
    }

    private async Task WireAsync(string host, string hostDevice, string hostAddress, string routerDevice, string routerAddress)
    {
        await TwoHostNetwork.Run("ip", "-n", host, "link", "add", hostDevice, "type", "veth", "peer", "name", routerDevice, "netns", Router);
        await TwoHostNetwork.Run("ip", "-n", host, "addr", "add", hostAddress, "dev", hostDevice);
        await TwoHostNetwork.Run("ip", "-n", host, "link", "set", hostDevice, "up");
        await TwoHostNetwork.Run("ip", "-n", Router, "addr", "add", routerAddress, "dev", routerDevice);
        await TwoHostNetwork.Run("ip", "-n", Router, "link", "set", routerDevice, "up");
    }

    private static async Task PodAsync(string host, string pod, string hostAddress, string podAddress, string gateway)
    {
        await TwoHostNetwork.Run("ip", "-n", host, "link", "add", "pod0", "type", "veth", "peer", "name", "eth0", "netns", pod);
        await TwoHostNetwork.Run("ip", "-n", host, "addr", "add", hostAddress, "dev", "pod0");
        await TwoHostNetwork.Run("ip", "-n", host, "link", "set", "pod0", "up");
        await TwoHostNetwork.Run("ip", "-n", pod, "addr", "add", podAddress, "dev", "eth0");
        await TwoHostNetwork.Run("ip", "-n", pod, "link", "set", "eth0", "up");
        await TwoHostNetwork.Run("ip", "-n", pod, "route", "add", "default", "via", gateway);
    }
}
