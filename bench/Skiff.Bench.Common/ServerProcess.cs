using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;

namespace Skiff.Bench.Common;

/// <summary>
/// The real <c>skiff server --disable-agent</c> as a child process (its own temp data dir, a free loopback port), so
/// a benchmark measures the server alone: its latency over HTTPS and its own resident memory. The benchmark's project
/// builds src/Skiff (a ProjectReference without ReferenceOutputAssembly) so that its output is there to run.
/// </summary>
public sealed class ServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ServerProcess(Process process, string dataDirectory, Uri address)
    {
        _process = process;
        DataDirectory = dataDirectory;
        Address = address;
    }

    public string DataDirectory { get; }

    public string KubeconfigPath => Path.Combine(DataDirectory, "kubeconfig.yaml");

    public Uri Address { get; }

    public string Pid => _process.Id.ToString(CultureInfo.InvariantCulture);

    public static async Task<ServerProcess> StartAsync(string storage, Uri? etcd, CancellationToken cancellationToken, params string[] extraArguments)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("skiff-bench-").FullName;
        var port = FreePort();
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        var arguments = new List<string>
        {
            SkiffDll(), "server", "--disable-agent", "--data-dir", dataDirectory, "--bind-address", "127.0.0.1",
            "--port", port.ToString(CultureInfo.InvariantCulture), "--storage", storage,
        };
        if (etcd is not null)
        {
            arguments.AddRange(["--etcd-servers", etcd.GetLeftPart(UriPartial.Authority)]);
        }

        arguments.AddRange(extraArguments);
        arguments.ForEach(start.ArgumentList.Add);
        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start skiff server");
        var server = new ServerProcess(process, dataDirectory, new Uri($"https://127.0.0.1:{port}"));
        process.OutputDataReceived += (_, e) => server.Append(e.Data);
        process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();

        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (!File.Exists(Path.Combine(dataDirectory, "kubeconfig.yaml")))
        {
            if (process.HasExited || DateTime.UtcNow > deadline)
            {
                await server.DisposeAsync();
                throw new InvalidOperationException($"skiff server did not come up:\n{server.Log()}");
            }

            await Task.Delay(100, cancellationToken);
        }

        return server;
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    private string Log()
    {
        lock (_log)
        {
            return _log.ToString();
        }
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }

    /// <summary>src/Skiff's output for the configuration this benchmark was built in (it builds it: see the csproj).</summary>
    public static string SkiffDll()
    {
        var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)))!;
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            var path = Path.Combine(dir.FullName, "src", "Skiff", "bin", configuration, "net10.0", "skiff.dll");
            if (File.Exists(path))
            {
                return path;
            }
        }

        throw new FileNotFoundException($"skiff.dll ({configuration}) not found above {AppContext.BaseDirectory}");
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }
}
