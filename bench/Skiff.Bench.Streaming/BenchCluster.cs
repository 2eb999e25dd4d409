using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Skiff.Bench.Streaming;

/// <summary>
/// The cluster measured: either a running <c>skiff server</c> given by its data directory, or one started here like the
/// end-to-end fixture does (the built skiff.dll, a temp data dir, free ports, its own bridge and pod subnet).
/// </summary>
internal sealed class BenchCluster : IAsyncDisposable
{
    private readonly Process? _server;
    private readonly string? _bridge;
    private readonly bool _ownsDataDirectory;

    private BenchCluster(string dataDirectory, Process? server, string? bridge, bool ownsDataDirectory)
    {
        DataDirectory = dataDirectory;
        _server = server;
        _bridge = bridge;
        _ownsDataDirectory = ownsDataDirectory;
    }

    public string DataDirectory { get; }

    public string KubeconfigPath => Path.Combine(DataDirectory, "kubeconfig.yaml");

    /// <summary>The embedded containerd's CRI socket (the runtime the kubelet drives).</summary>
    public string ContainerdSocket => Path.Combine(DataDirectory, "agent", "containerd", "containerd.sock");

    public string NodeName { get; private set; } = string.Empty;

    public static async Task<BenchCluster> AttachAsync(string dataDirectory)
    {
        var cluster = new BenchCluster(Path.GetFullPath(dataDirectory), null, null, ownsDataDirectory: false);
        await cluster.WaitForNodeAsync(TimeSpan.FromSeconds(30));
        return cluster;
    }

    public static async Task<BenchCluster> StartAsync(string skiffDll, string bridge, string podCidr)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("skiff-bench-streaming-").FullName;
        var startInfo = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     skiffDll, "server", "--data-dir", dataDirectory,
                     "--port", FreePort(), "--node-name", "bench-node", "--kubelet-port", FreePort(), "--stream-port", FreePort(),
                     "--bridge-name", bridge, "--pod-cidr", podCidr, "--offline-images",
                 })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var server = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start skiff server");
        var log = new StreamWriter(Path.Combine(dataDirectory, "server.log")) { AutoFlush = true };
        server.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        server.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        server.BeginOutputReadLine();
        server.BeginErrorReadLine();
        var cluster = new BenchCluster(dataDirectory, server, bridge, ownsDataDirectory: true);
        try
        {
            await cluster.WaitForNodeAsync(TimeSpan.FromMinutes(8));
        }
        catch
        {
            await cluster.DisposeAsync();
            throw;
        }

        return cluster;
    }

    public Task<Kubectl.Result> KubectlAsync(params string[] arguments) => Kubectl.RunAsync(KubeconfigPath, arguments);

    private async Task WaitForNodeAsync(TimeSpan timeout)
    {
        var deadline = DateTime.UtcNow + timeout;
        while (true)
        {
            if (_server is { HasExited: true })
            {
                throw new InvalidOperationException($"skiff server exited with {_server.ExitCode}; see {DataDirectory}/server.log");
            }

            if (File.Exists(KubeconfigPath))
            {
                var nodes = await KubectlAsync("get", "nodes", "-o", "jsonpath={range .items[*]}{.metadata.name} {.status.conditions[?(@.type==\"Ready\")].status}{\"\\n\"}{end}");
                var ready = nodes.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries).Select(l => l.Split(' ')).FirstOrDefault(p => p is [_, "True"]);
                if (nodes.ExitCode == 0 && ready is not null)
                {
                    NodeName = ready[0];
                    return;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"no Ready node within {timeout}");
            }

            await Task.Delay(1000);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (_server is null)
        {
            return;
        }

        if (!_server.HasExited)
        {
            await KubectlAsync("delete", "pods", "--all", "--grace-period=1", "--timeout=90s");
            using (var kill = Process.Start("kill", ["-TERM", _server.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                await kill.WaitForExitAsync();
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await _server.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _server.Kill(entireProcessTree: true);
            }
        }

        _server.Dispose();
        using (var del = Process.Start("ip", ["link", "del", _bridge!]))
        {
            await del.WaitForExitAsync();
        }

        if (_ownsDataDirectory)
        {
            try
            {
                Directory.Delete(DataDirectory, recursive: true);
            }
            catch (IOException)
            {
            }
        }
    }

    private static string FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
    }
}
