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
    private Process _process;

    private EtcdServer(Process process, string dataDirectory, string[] arguments, Uri clientUrl)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        _arguments = arguments;
        ClientUrl = clientUrl;
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
        var server = new EtcdServer(Launch(arguments), dataDirectory, arguments, new Uri(clientUrl));
        try
        {
            await server.WaitHealthyAsync(cancellationToken);
            return server;
        }
        catch
        {
            server.Dispose();
            throw;
        }
    }

    /// <summary>Kills etcd (SIGKILL) and starts it again on the same ports and data: clients see a broken connection.</summary>
    public async Task RestartAsync(CancellationToken cancellationToken)
    {
        _process.Kill();
        await _process.WaitForExitAsync(cancellationToken);
        _process.Dispose();
        _process = Launch(_arguments);
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
                throw new InvalidOperationException($"etcd exited with {_process.ExitCode} before it was ready");
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

    private static Process Launch(string[] arguments)
    {
        var start = new ProcessStartInfo(Binary) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {Binary}");
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return process;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
