using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Skiff.Bench.Common;

/// <summary>A real single-member etcd on free loopback ports with its own temp data dir; killed and removed on dispose.</summary>
public sealed class EtcdProcess : IAsyncDisposable
{
    public const string DefaultBinary = "/usr/bin/etcd";

    private readonly Process _process;
    private readonly string _dataDirectory;

    private EtcdProcess(Process process, string dataDirectory, Uri clientUrl)
    {
        _process = process;
        _dataDirectory = dataDirectory;
        ClientUrl = clientUrl;
    }

    public Uri ClientUrl { get; }

    public string Pid => _process.Id.ToString(CultureInfo.InvariantCulture);

    public static EtcdProcess Start(string binary)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("skiff-bench-etcd-").FullName;
        var client = $"http://127.0.0.1:{FreePort()}";
        var peer = $"http://127.0.0.1:{FreePort()}";
        var start = new ProcessStartInfo(binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[]
        {
            "--name", "bench", "--data-dir", dataDirectory,
            "--listen-client-urls", client, "--advertise-client-urls", client,
            "--listen-peer-urls", peer, "--initial-advertise-peer-urls", peer,
            "--initial-cluster", $"bench={peer}", "--initial-cluster-state", "new",
            "--log-level", "error",
        })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException($"cannot start {binary}");

        // Drain its output so a full pipe never stalls it.
        process.OutputDataReceived += (_, _) => { };
        process.ErrorDataReceived += (_, _) => { };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new EtcdProcess(process, dataDirectory, new Uri(client));
    }

    /// <summary>Waits until etcd answers its health endpoint.</summary>
    public async Task WaitHealthyAsync(CancellationToken cancellationToken)
    {
        using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(2) };
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"etcd exited with {_process.ExitCode}");
            }

            try
            {
                if ((await http.GetStringAsync(new Uri(ClientUrl, "/health"), cancellationToken)).Contains("\"true\"", StringComparison.Ordinal))
                {
                    return;
                }
            }
            catch (HttpRequestException) when (DateTime.UtcNow < deadline)
            {
            }

            await Task.Delay(100, cancellationToken);
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill();
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        Directory.Delete(_dataDirectory, recursive: true);
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
