using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s;

namespace Skiff.Bench.PodStartup;

/// <summary>
/// The <c>skiff server</c> binary as a child process (API server on SQLite + kubelet), pointed at a containerd the
/// bench started itself so the raw-CRI floor runs on the very same runtime. Its output goes to a log file, which
/// keeps the kubelet's per-pod timestamps for the profile.
/// </summary>
internal sealed class SkiffServerProcess : IAsyncDisposable
{
    private readonly Process process;
    private readonly StreamWriter log;

    private SkiffServerProcess(Process process, StreamWriter log, string kubeconfigPath, string logPath)
    {
        this.process = process;
        this.log = log;
        KubeconfigPath = kubeconfigPath;
        LogPath = logPath;
    }

    public string KubeconfigPath { get; }

    public string LogPath { get; }

    public static async Task<SkiffServerProcess> StartAsync(
        string skiffDll, string dataDir, string nodeName, string runtimeEndpoint, string podCidr, string bridge, CancellationToken cancellationToken)
    {
        var startInfo = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
                 {
                     skiffDll, "server",
                     "--data-dir", dataDir,
                     "--port", FreePort().ToString(CultureInfo.InvariantCulture),
                     "--node-name", nodeName,
                     "--kubelet-port", FreePort().ToString(CultureInfo.InvariantCulture),
                     "--container-runtime-endpoint", runtimeEndpoint,
                     "--pod-cidr", podCidr,
                     "--bridge-name", bridge,
                     "--skip-images",
                     "--offline-images",
                     // Cluster DNS binds 10.43.0.10:53 once per machine: leave it to a cluster running beside the bench.
                     "--disable-dns",
                 })
        {
            startInfo.ArgumentList.Add(argument);
        }

        Directory.CreateDirectory(dataDir);
        var logPath = Path.Combine(dataDir, "server.log");
        var log = new StreamWriter(logPath) { AutoFlush = true };
        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start skiff server");
        process.OutputDataReceived += (_, e) => Append(log, e.Data);
        process.ErrorDataReceived += (_, e) => Append(log, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        var server = new SkiffServerProcess(process, log, Path.Combine(dataDir, "kubeconfig.yaml"), logPath);
        try
        {
            await server.WaitForNodeReadyAsync(nodeName, cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public Kubernetes CreateClient() => new(KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath));

    private async Task WaitForNodeReadyAsync(string nodeName, CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddMinutes(3);
        while (true)
        {
            if (process.HasExited)
            {
                throw new InvalidOperationException($"skiff server exited with {process.ExitCode}; see {LogPath}");
            }

            if (File.Exists(KubeconfigPath))
            {
                try
                {
                    using var client = CreateClient();
                    var node = await client.CoreV1.ReadNodeAsync(nodeName, cancellationToken: cancellationToken);
                    if (node.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") == true)
                    {
                        return;
                    }
                }
                catch (Exception e) when (e is HttpRequestException or k8s.Autorest.HttpOperationException or IOException)
                {
                    // Not serving yet, or the node is not registered yet.
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"node {nodeName} not Ready within 3 minutes; see {LogPath}");
            }

            await Task.Delay(500, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!process.HasExited)
        {
            // A clean stop, as on Ctrl-C (the pods were deleted before).
            using (var kill = Process.Start("kill", ["-TERM", process.Id.ToString(CultureInfo.InvariantCulture)]))
            {
                if (kill is not null)
                {
                    await kill.WaitForExitAsync();
                }
            }

            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
            }
        }

        process.Dispose();
        lock (log)
        {
            log.Dispose();
        }
    }

    private static void Append(StreamWriter log, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (log)
        {
            if (log.BaseStream.CanWrite)
            {
                log.WriteLine(line);
            }
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
