using System.Diagnostics;
using System.Globalization;

namespace Skiff.Networking.Tests.Proxy;

/// <summary>
/// A small routed network the test owns: a "node" namespace with a "server pod" namespace (10.201.0.0/24) and a
/// "client pod" namespace (10.201.1.0/24) on veth pairs, each pod routing through the node. No traffic leaves
/// these namespaces. Names carry a random suffix so that parallel runs on one machine never meet.
/// </summary>
internal sealed class NetworkNamespaces : IAsyncDisposable
{
    public const string ServerIp = "10.201.0.2";
    public const string ClientIp = "10.201.1.2";
    public const string NodeServerSideIp = "10.201.0.1";
    public const string LocalPodCidr = "10.201.0.0/24";

    private readonly string _suffix = Random.Shared.Next(0x10000, 0xfffff).ToString("x5", CultureInfo.InvariantCulture);
    private readonly List<Process> _listeners = [];

    public string Node => "skpx-node-" + _suffix;

    public string Server => "skpx-srv-" + _suffix;

    public string Client => "skpx-cli-" + _suffix;

    public async Task CreateAsync()
    {
        foreach (var ns in new[] { Node, Server, Client })
        {
            await RunAsync("ip", "netns", "add", ns);
            await RunAsync("ip", "-n", ns, "link", "set", "lo", "up");
        }

        await PairAsync(Server, "s", "10.201.0.1/24", "10.201.0.2/24", "10.201.0.1");
        await PairAsync(Client, "c", "10.201.1.1/24", "10.201.1.2/24", "10.201.1.1");
        await RunAsync("ip", "netns", "exec", Node, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
        // As a real node's default route: Service addresses without endpoints still get routed (then rejected).
        await RunAsync("ip", "-n", Node, "route", "add", "default", "via", ServerIp);
    }

    /// <summary>A TCP listener in the server pod that answers each connection with <c>srv PEER-IP</c>.</summary>
    public Task ListenAsync(int port) => ListenAsync(port, Server, ServerIp);

    /// <summary>The same listener on <paramref name="ip"/> in namespace <paramref name="ns"/>.</summary>
    public async Task ListenAsync(int port, string ns, string ip)
    {
        var script = "import socket\n"
            + "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            + $"s.bind(('{ip}', {port})); s.listen(64); print('listening', flush=True)\n"
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

    /// <summary>A TCP listener on <paramref name="ip"/> in namespace <paramref name="ns"/> that echoes every line
    /// back on connections it keeps open.</summary>
    public async Task ListenEchoAsync(int port, string ns, string ip)
    {
        var script = "import socket, threading\n"
            + "s = socket.socket(); s.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)\n"
            + $"s.bind(('{ip}', {port})); s.listen(64); print('listening', flush=True)\n"
            + "def echo(c):\n    f = c.makefile('rwb')\n    for line in f:\n        f.write(line); f.flush()\n"
            + "while True:\n    c, a = s.accept(); threading.Thread(target=echo, args=(c,), daemon=True).start()\n";
        var process = StartPython(ns, script);
        _listeners.Add(process);
        Assert.Equal("listening", await process.StandardOutput.ReadLineAsync());
    }

    /// <summary>A TCP connection from <paramref name="ns"/> that stays open: each line written to it is sent, and
    /// the line read back (or <c>error ...</c>) is answered.</summary>
    public async Task<OpenConnection> OpenAsync(string ns, string ip, int port)
    {
        var script = "import socket, sys\n"
            + $"s = socket.create_connection(('{ip}', {port}), timeout=3); f = s.makefile('rwb'); print('open', flush=True)\n"
            + "for line in sys.stdin:\n"
            + "    try:\n        f.write(line.encode()); f.flush(); print(f.readline().decode().strip() or 'closed', flush=True)\n"
            + "    except OSError as e: print('error ' + repr(e), flush=True)\n";
        var process = StartPython(ns, script, input: true);
        _listeners.Add(process);
        Assert.Equal("open", await process.StandardOutput.ReadLineAsync());
        return new OpenConnection(process);
    }

    private static Process StartPython(string ns, string script, bool input = false)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardInput = input, UseShellExecute = false };
        foreach (var a in new[] { "netns", "exec", ns, "python3", "-c", script })
        {
            start.ArgumentList.Add(a);
        }

        return Process.Start(start)!;
    }

    /// <summary>Connects from <paramref name="ns"/> and returns the first line the server sent, <c>refused</c> or
    /// <c>timeout</c>.</summary>
    public async Task<string> ConnectAsync(string ns, string ip, int port)
    {
        var script = "import socket, sys\n"
            + "try:\n"
            + $"    s = socket.create_connection(('{ip}', {port}), timeout=3); print(s.makefile().readline().strip())\n"
            + "except ConnectionRefusedError: print('refused')\n"
            + "except OSError as e: print('timeout' if isinstance(e, socket.timeout) else 'error ' + str(e))\n";
        return (await RunAsync("ip", "netns", "exec", ns, "python3", "-c", script)).Trim();
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var listener in _listeners)
        {
            listener.Kill(entireProcessTree: true);
            await listener.WaitForExitAsync();
            listener.Dispose();
        }

        foreach (var ns in new[] { Client, Server, Node })
        {
            try
            {
                await RunAsync("ip", "netns", "delete", ns);
            }
            catch (InvalidOperationException)
            {
                // Not created (the test failed early).
            }
        }
    }

    public static async Task<string> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo(arguments[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var a in arguments[1..])
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{string.Join(' ', arguments)}: exit {process.ExitCode}: {await stderr}");
        }

        return await stdout;
    }

    private async Task PairAsync(string pod, string tag, string nodeAddress, string podAddress, string gateway)
    {
        var nodeSide = $"skpx{tag}n{_suffix}";
        var podSide = $"skpx{tag}p{_suffix}";
        await RunAsync("ip", "-n", Node, "link", "add", nodeSide, "type", "veth", "peer", "name", podSide, "netns", pod);
        await RunAsync("ip", "-n", Node, "addr", "add", nodeAddress, "dev", nodeSide);
        await RunAsync("ip", "-n", Node, "link", "set", nodeSide, "up");
        await RunAsync("ip", "-n", pod, "addr", "add", podAddress, "dev", podSide);
        await RunAsync("ip", "-n", pod, "link", "set", podSide, "up");
        await RunAsync("ip", "-n", pod, "route", "add", "default", "via", gateway);
    }
}
