using System.Diagnostics;
using System.Globalization;
using System.Text;
using k8s;

namespace Skiff.EndToEnd.Tests.HighAvailability;

/// <summary>
/// One <c>skiff server --disable-agent --storage etcd</c> process. Several share one etcd cluster and one PKI (the
/// first server's <c>pki/</c> is copied into the others' data dirs, as kubeadm copies certificates to each
/// control-plane node), so one client credential works against all of them.
/// </summary>
public sealed class ApiServerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private ApiServerProcess(Process process, string dataDirectory)
    {
        _process = process;
        DataDirectory = dataDirectory;
    }

    public string DataDirectory { get; }

    public string KubeconfigPath => Path.Combine(DataDirectory, "kubeconfig.yaml");

    public static async Task<ApiServerProcess> StartAsync(IReadOnlyList<Uri> etcd, string? sharedPkiFrom, CancellationToken cancellationToken)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("skiff-ha-api-").FullName;
        if (sharedPkiFrom is not null)
        {
            CopyDirectory(Path.Combine(sharedPkiFrom, "pki"), Path.Combine(dataDirectory, "pki"));
        }

        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[]
                 {
                     RepositoryPaths.SkiffDll, "server", "--disable-agent", "--disable-dns",
                     "--data-dir", dataDirectory,
                     "--port", LoopbackPort.Free().ToString(CultureInfo.InvariantCulture),
                     "--storage", "etcd",
                     "--etcd-servers", string.Join(',', etcd.Select(u => u.GetLeftPart(UriPartial.Authority))),
                 })
        {
            start.ArgumentList.Add(argument);
        }

        var server = new ApiServerProcess(Process.Start(start) ?? throw new InvalidOperationException("cannot start skiff server"), dataDirectory);
        server._process.OutputDataReceived += (_, e) => server.Append(e.Data);
        server._process.ErrorDataReceived += (_, e) => server.Append(e.Data);
        server._process.BeginOutputReadLine();
        server._process.BeginErrorReadLine();
        try
        {
            await server.WaitReadyAsync(cancellationToken);
            return server;
        }
        catch
        {
            await server.DisposeAsync();
            throw;
        }
    }

    public Kubernetes CreateClient()
    {
        var configuration = KubernetesClientConfiguration.BuildConfigFromConfigFile(KubeconfigPath);
        return new Kubernetes(configuration);
    }

    /// <summary>SIGKILL: the server gets no chance to flush or say goodbye.</summary>
    public async Task KillAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }
    }

    public async ValueTask DisposeAsync()
    {
        await KillAsync();
        _process.Dispose();
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public string Log()
    {
        lock (_log)
        {
            return _log.Length > 20_000 ? _log.ToString(_log.Length - 20_000, 20_000) : _log.ToString();
        }
    }

    /// <summary>Whether the server ever wrote <paramref name="text"/> (its whole output, not the tail <see cref="Log"/> gives).</summary>
    public bool Logged(string text)
    {
        lock (_log)
        {
            return _log.ToString().Contains(text, StringComparison.Ordinal);
        }
    }

    private async Task WaitReadyAsync(CancellationToken cancellationToken)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            if (_process.HasExited)
            {
                throw new InvalidOperationException($"skiff server exited with {_process.ExitCode}:\n{Log()}");
            }

            if (File.Exists(KubeconfigPath))
            {
                try
                {
                    using var client = CreateClient();
                    await client.CoreV1.ReadNamespaceAsync("default", cancellationToken: cancellationToken);
                    return;
                }
                catch (Exception e) when (e is HttpRequestException or k8s.Autorest.HttpOperationException or IOException or TaskCanceledException
                                              && !cancellationToken.IsCancellationRequested)
                {
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"skiff server not ready within 60 s:\n{Log()}");
            }

            await Task.Delay(200, cancellationToken);
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

    private static void CopyDirectory(string from, string to)
    {
        Directory.CreateDirectory(to);
        foreach (var file in Directory.GetFiles(from))
        {
            File.Copy(file, Path.Combine(to, Path.GetFileName(file)));
        }
    }
}
