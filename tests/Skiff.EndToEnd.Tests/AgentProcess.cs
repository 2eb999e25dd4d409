using System.Diagnostics;
using System.Globalization;

namespace Skiff.EndToEnd.Tests;

/// <summary>
/// A <c>skiff agent</c> child process joining a <see cref="SkiffCluster"/>: its own data dir, node name, bridge, pod
/// subnet, kubelet and streaming ports, and containerd. Stopped with SIGTERM; its bridge and data dir are removed.
/// </summary>
public sealed class AgentProcess : IAsyncDisposable
{
    // Overridable like the server's, so two runs on one machine do not share a bridge or subnet.
    public static readonly string Bridge = Environment.GetEnvironmentVariable("SKIFF_E2E_AGENT_BRIDGE") ?? "skiffe2e1";
    public static readonly string PodCidr = Environment.GetEnvironmentVariable("SKIFF_E2E_AGENT_POD_CIDR") ?? "10.88.251.0/24";

    private readonly Process _process;
    private readonly StreamWriter _log;
    private int? _exitCode;
    private bool _disposed;

    private AgentProcess(Process process, string dataDirectory, StreamWriter log, int kubeletPort)
    {
        KubeletPort = kubeletPort;
        _process = process;
        DataDirectory = dataDirectory;
        _log = log;
    }

    public string DataDirectory { get; }

    /// <summary>The HTTPS port of the agent's kubelet on 127.0.0.1.</summary>
    public int KubeletPort { get; }

    public string LogPath => Path.Combine(DataDirectory, "agent.log");

    public bool HasExited => _exitCode is not null || _process.HasExited;

    /// <summary>The exit code once the process has exited (also after <see cref="DisposeAsync"/>).</summary>
    public int ExitCode => _exitCode ?? _process.ExitCode;

    /// <summary>Starts <c>skiff agent</c> for <paramref name="nodeName"/> against the cluster's API server.</summary>
    /// <param name="registriesYaml">When given, written to the agent's <c>&lt;data-dir&gt;/registries.yaml</c> first.</param>
    public static AgentProcess Start(SkiffCluster cluster, string nodeName, string tokenFile, string? registriesYaml = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory("skiff-e2e-agent-").FullName;
        if (registriesYaml is not null)
        {
            File.WriteAllText(Path.Combine(dataDirectory, "registries.yaml"), registriesYaml);
        }

        // The images are a cache of archives built from Debian packages: seed it from the server's, saving minutes.
        CopyDirectory(Path.Combine(cluster.DataDirectory, "images"), Path.Combine(dataDirectory, "images"));
        var kubeletPort = LoopbackPort.Free();
        var startInfo = new ProcessStartInfo("dotnet") { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in new[]
                 {
                     RepositoryPaths.SkiffDll, "agent",
                     "--server", cluster.ServerUrl,
                     "--token-file", tokenFile,
                     "--data-dir", dataDirectory,
                     "--node-name", nodeName,
                     "--kubelet-port", kubeletPort.ToString(CultureInfo.InvariantCulture),
                     "--stream-port", LoopbackPort.Free().ToString(CultureInfo.InvariantCulture),
                     "--bridge-name", Bridge,
                     "--pod-cidr", PodCidr,
                     "--offline-images",
                 })
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start skiff agent");
        var log = new StreamWriter(Path.Combine(dataDirectory, "agent.log")) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new AgentProcess(process, dataDirectory, log, kubeletPort);
    }

    public async Task<int> WaitForExitAsync(TimeSpan timeout)
    {
        using var wait = new CancellationTokenSource(timeout);
        await _process.WaitForExitAsync(wait.Token);
        _exitCode = _process.ExitCode;
        return _exitCode.Value;
    }

    public string ReadLog() => LogTail.Read(LogPath);

    public async ValueTask DisposeAsync()
    {
        if (_disposed)
        {
            return;
        }

        _disposed = true;
        if (!_process.HasExited)
        {
            await ProcessRunner.RunAsync("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)], null, TimeSpan.FromSeconds(5), CancellationToken.None);
            try
            {
                await WaitForExitAsync(TimeSpan.FromSeconds(30));
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }

        _exitCode ??= _process.HasExited ? _process.ExitCode : -1;
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }

        await ProcessRunner.RunAsync("ip", ["link", "del", Bridge], null, TimeSpan.FromSeconds(10), CancellationToken.None);
        try
        {
            Directory.Delete(DataDirectory, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }

    private static void CopyDirectory(string source, string target)
    {
        if (!Directory.Exists(source))
        {
            return;
        }

        Directory.CreateDirectory(target);
        foreach (var file in Directory.EnumerateFiles(source, "*", SearchOption.AllDirectories))
        {
            var destination = Path.Combine(target, Path.GetRelativePath(source, file));
            Directory.CreateDirectory(Path.GetDirectoryName(destination)!);
            File.Copy(file, destination, overwrite: true);
        }
    }
}
