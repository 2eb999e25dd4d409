using System.Diagnostics;
using System.Net;
using System.Net.Sockets;

namespace Skiff.Storage.Tests;

/// <summary>A real single-member etcd on free loopback ports with its own temp data dir; killed and removed on dispose.</summary>
public sealed class EtcdServer : IDisposable
{
    public const string Binary = "/usr/bin/etcd";

    private readonly string _dataDirectory;
    private readonly string[] _arguments;
    private readonly Queue<string> _errorLines = new();
    private Process _process;

    private EtcdServer(string dataDirectory, string[] arguments, Uri clientUrl)
    {
        _dataDirectory = dataDirectory;
        _arguments = arguments;
        ClientUrl = clientUrl;
        _process = Launch();
    }

    public Uri ClientUrl { get; }

    /// <summary>Starts etcd and waits until it reports healthy.</summary>
    public static async Task<EtcdServer> StartAsync(CancellationToken cancellationToken)
    {
        if (!File.Exists(Binary))
        {
            // A missing dependency is a failure, never a silent skip (CI=true or not): install Debian's etcd-server.
            throw new InvalidOperationException($"{Binary} is missing (Debian package etcd-server); the etcd backend cannot be tested");
        }

        // Free ports are picked by binding port 0 and closing it; another process on this busy machine (parallel test
        // assemblies, outgoing connections) can take one before etcd binds it. etcd then exits at once: try new ports.
        for (var attempt = 1; ; attempt++)
        {
            var dataDirectory = Directory.CreateTempSubdirectory("skiff-test-etcd-").FullName;
            var clientUrl = $"http://127.0.0.1:{FreePort()}"; // no trailing slash: etcd refuses URLs with a path
            var peer = $"http://127.0.0.1:{FreePort()}";
            string[] arguments =
            [
                "--name", "test", "--data-dir", dataDirectory,
                "--listen-client-urls", clientUrl, "--advertise-client-urls", clientUrl,
                "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
                "--initial-cluster", $"test={peer}", "--initial-cluster-state", "new", "--log-level", "error",
            ];
            var server = new EtcdServer(dataDirectory, arguments, new Uri(clientUrl));
            try
            {
                await server.WaitHealthyAsync(cancellationToken);
                return server;
            }
            catch (EtcdExitedException) when (attempt < 3)
            {
                server.Dispose();
            }
            catch
            {
                server.Dispose();
                throw;
            }
        }
    }

    /// <summary>Kills etcd (SIGKILL) and starts it again on the same ports and data: clients see a broken connection.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        _process.Kill();
        await _process.WaitForExitAsync(cancellationToken);
        _process.Dispose();
        _process = Launch();
        await WaitHealthyAsync(cancellationToken);
    }

    public void Dispose()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            _process.WaitForExit();
        }

        _process.Dispose();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    private async Task WaitHealthyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        for (var attempt = 0; ; attempt++)
        {
            if (_process.HasExited)
            {
                throw new EtcdExitedException($"etcd exited with {_process.ExitCode} before it was ready: {LastErrorLines()}");
            }

            try
            {
                var health = await http.GetStringAsync(new Uri(ClientUrl, "/health"), cancellationToken);
                if (health.Contains("\"true\"", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException) when (attempt < 300)
            {
            }
            catch (TaskCanceledException) when (attempt < 300 && !cancellationToken.IsCancellationRequested)
            {
            }

            await Task.Delay(50, cancellationToken);
        }
    }

    private Process Launch()
    {
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in _arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Binary}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, line) => KeepErrorLine(line.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private void KeepErrorLine(string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (_errorLines)
        {
            _errorLines.Enqueue(line);
            if (_errorLines.Count > 5)
            {
                _errorLines.Dequeue();
            }
        }
    }

    private string LastErrorLines()
    {
        lock (_errorLines)
        {
            return string.Join(" | ", _errorLines);
        }
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
