using System.Diagnostics;
using System.Globalization;

namespace Skiff.Bench.Proxy;

/// <summary>
/// The network the benchmark owns: a "node" namespace that holds the proxy's nftables table, a "server pod"
/// namespace (10.203.0.0/24) with a TCP listener and a "client pod" namespace (10.203.1.0/24), each pod routed
/// through the node on a veth pair. No packet leaves these namespaces; names carry a random suffix so that runs
/// beside tests on the same machine never meet. Deleted on dispose.
/// </summary>
internal sealed class BenchNetwork : IAsyncDisposable
{
    public const string ServerIp = "10.203.0.2";
    public const string LocalPodCidr = "10.203.0.0/24";

    private readonly string _suffix = Random.Shared.Next(0x10000, 0xfffff).ToString("x5", CultureInfo.InvariantCulture);
    private readonly List<Process> _listeners = [];
    private readonly List<string> _created = [];

    public string Node => "skbp-node-" + _suffix;

    public string Server => "skbp-srv-" + _suffix;

    public string Client => "skbp-cli-" + _suffix;

    public async Task CreateAsync()
    {
        foreach (var ns in new[] { Node, Server, Client })
        {
            await RunAsync("ip", "netns", "add", ns);
            _created.Add(ns);
            await RunAsync("ip", "-n", ns, "link", "set", "lo", "up");
        }

        await PairAsync(Server, "s", "10.203.0.1/24", "10.203.0.2/24", "10.203.0.1");
        await PairAsync(Client, "c", "10.203.1.1/24", "10.203.1.2/24", "10.203.1.1");
        await RunAsync("ip", "netns", "exec", Node, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
    }

    /// <summary>A TCP listener in the server pod that accepts and closes every connection.</summary>
    public async Task ListenAsync(int port)
    {
        var script = "import socket\n"
            + "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            + $"s.bind(('{ServerIp}', {port})); s.listen(1024); print('listening', flush=True)\n"
            + "while True:\n    c, a = s.accept(); c.close()\n";
        var process = Start("ip", "netns", "exec", Server, "python3", "-c", script);
        _listeners.Add(process);
        if (await process.StandardOutput.ReadLineAsync() != "listening")
        {
            throw new InvalidOperationException("the listener did not start");
        }
    }

    /// <summary>
    /// From the client pod, <paramref name="rounds"/> rounds of one TCP connect to each target in turn (interleaved,
    /// so both see the same machine load); returns each target's connect times (SYN out to SYN-ACK in) in ms.
    /// </summary>
    public async Task<List<double>[]> ConnectTimesAsync(int rounds, params (string Ip, int Port)[] targets)
    {
        var list = string.Join(", ", targets.Select(t => $"('{t.Ip}', {t.Port})"));
        var script = "import socket, time\n"
            + $"targets = [{list}]\n"
            + "times = [[] for _ in targets]\n"
            + $"for r in range({rounds}):\n"
            + "    for i, t in enumerate(targets):\n"
            + "        s = socket.socket(); s.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)\n"
            + "        a = time.perf_counter_ns(); s.connect(t); b = time.perf_counter_ns(); s.close()\n"
            + "        times[i].append((b - a) / 1e6)\n"
            + "for t in times: print(' '.join('%.4f' % x for x in t))\n";
        var output = await RunAsync("ip", "netns", "exec", Client, "python3", "-c", script);
        return [.. output.Split('\n', StringSplitOptions.RemoveEmptyEntries)
            .Select(line => line.Split(' ').Select(x => double.Parse(x, CultureInfo.InvariantCulture)).ToList())];
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners)
        {
            listener.Kill(entireProcessTree: true);
            await listener.WaitForExitAsync();
            listener.Dispose();
        }

        foreach (var ns in Enumerable.Reverse(_created))
        {
            await RunAsync("ip", "netns", "delete", ns);
        }
    }

    public static async Task<string> RunAsync(params string[] arguments)
    {
        using var process = Start(arguments);
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', arguments)}: exit {process.ExitCode}: {await stderr}");
        }

        return await stdout;
    }

    private static Process Start(params string[] arguments)
    {
        var start = new ProcessStartInfo(arguments[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments[1..])
        {
            start.ArgumentList.Add(a);
        }

        return Process.Start(start) ?? throw new InvalidOperationException(arguments[0] + " did not start");
    }

    private async Task PairAsync(string pod, string tag, string nodeAddress, string podAddress, string gateway)
    {
        var nodeSide = $"skbp{tag}n{_suffix}";
        var podSide = $"skbp{tag}p{_suffix}";
        await RunAsync("ip", "-n", Node, "link", "add", nodeSide, "type", "veth", "peer", "name", podSide, "netns", pod);
        await RunAsync("ip", "-n", Node, "addr", "add", nodeAddress, "dev", nodeSide);
        await RunAsync("ip", "-n", Node, "link", "set", nodeSide, "up");
        await RunAsync("ip", "-n", pod, "addr", "add", podAddress, "dev", podSide);
        await RunAsync("ip", "-n", pod, "link", "set", podSide, "up");
        await RunAsync("ip", "-n", pod, "route", "add", "default", "via", gateway);
    }
}
