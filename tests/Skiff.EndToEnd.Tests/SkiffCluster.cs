using System.Diagnostics;
using System.Globalization;

namespace Skiff.EndToEnd.Tests;

/// <summary>
/// A real one-node cluster: the <c>skiff server</c> binary as a child process with its own data dir, ports, bridge
/// and pod subnet, running its embedded containerd and kubelet. Stopped with SIGTERM like a user would.
/// </summary>
public sealed class SkiffCluster : IAsyncLifetime
{
    public const string NodeName = "e2e-node";

    // Overridable so two clusters (two worktrees, two CI jobs) can run on one machine without sharing a bridge.
    private static readonly string DefaultBridge = Environment.GetEnvironmentVariable("SKIFF_E2E_BRIDGE") ?? "skiffe2e0";
    private static readonly string DefaultPodCidr = Environment.GetEnvironmentVariable("SKIFF_E2E_POD_CIDR") ?? "10.88.250.0/24";

    private readonly string _nodeName;
    private readonly string _bridge;
    private readonly string _podCidr;
    private readonly string[] _extraArguments;
    private Process? _server;

    public SkiffCluster()
        : this(NodeName, DefaultBridge, DefaultPodCidr)
    {
    }

    /// <summary>A second cluster beside the shared one: its own node name (a node's name names its nftables table,
    /// which a server removes when it stops), bridge and pod subnet, and more server flags (e.g. <c>--skip-images</c>;
    /// another <c>--service-cidr</c>, so that its Services' rules never translate the shared cluster's traffic).</summary>
    internal SkiffCluster(string nodeName, string bridge, string podCidr, params string[] extraArguments)
    {
        _nodeName = nodeName;
        _bridge = bridge;
        _podCidr = podCidr;
        _extraArguments = extraArguments;
    }

    /// <summary>Why the cluster cannot run here (empty when it runs).</summary>
    public IReadOnlyList<string> Missing { get; private set; } = [];

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("skiff-e2e-").FullName;

    public string KubeconfigPath => Path.Combine(DataDirectory, "kubeconfig.yaml");

    public string LogPath => Path.Combine(DataDirectory, "server.log");

    /// <summary>The API server's audit log (every request at Metadata level): who did what.</summary>
    public string AuditLogPath => Path.Combine(DataDirectory, "audit.log");

    /// <summary>The join token the server writes for agents.</summary>
    public string TokenPath => Path.Combine(DataDirectory, "token");

    /// <summary>The API server's URL, as its kubeconfig names it.</summary>
    public string ServerUrl => File.ReadLines(KubeconfigPath)
        .Select(line => line.Trim())
        .First(line => line.StartsWith("server: ", StringComparison.Ordinal))["server: ".Length..];

    /// <summary>A fresh kubectl discovery cache per cluster (kubectl caches discovery for 6 hours).</summary>
    public string KubectlCacheDirectory { get; } = Directory.CreateTempSubdirectory("skiff-e2e-kubectl-").FullName;

    public async Task InitializeAsync()
    {
        Missing = Prerequisite.MissingForCluster();
        if (Missing.Count > 0)
        {
            return;
        }

        var startInfo = new ProcessStartInfo("dotnet")
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var argument in new[]
                 {
                     RepositoryPaths.SkiffDll, "server",
                     "--data-dir", DataDirectory,
                     "--port", LoopbackPort.Free().ToString(CultureInfo.InvariantCulture),
                     "--node-name", _nodeName,
                     "--kubelet-port", LoopbackPort.Free().ToString(CultureInfo.InvariantCulture),
                     "--stream-port", LoopbackPort.Free().ToString(CultureInfo.InvariantCulture),
                     "--bridge-name", _bridge,
                     "--pod-cidr", _podCidr,
                     "--offline-images",
                     "--audit-policy-file", WriteAuditPolicy(),
                     "--audit-log-path", AuditLogPath,
                 }.Concat(_extraArguments))
        {
            startInfo.ArgumentList.Add(argument);
        }

        _server = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start skiff server");
        var log = new StreamWriter(LogPath) { AutoFlush = true };
        _server.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        _server.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        _server.BeginOutputReadLine();
        _server.BeginErrorReadLine();

        // The first start builds the local images (pause, busybox, nginx) from Debian packages: allow minutes.
        var deadline = DateTime.UtcNow.AddMinutes(8);
        while (true)
        {
            if (_server.HasExited)
            {
                throw new InvalidOperationException($"skiff server exited with {_server.ExitCode}:\n{ReadLog()}");
            }

            if (File.Exists(KubeconfigPath))
            {
                var ready = await KubectlAsync(["get", "node", _nodeName, "-o", "jsonpath={.status.conditions[?(@.type==\"Ready\")].status}"], TimeSpan.FromSeconds(20));
                if (ready.ExitCode == 0 && ready.Stdout.Trim() == "True")
                {
                    return;
                }
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"node {_nodeName} not Ready within 8 minutes:\n{ReadLog()}");
            }

            await Task.Delay(TimeSpan.FromSeconds(1));
        }
    }

    public async Task DisposeAsync()
    {
        if (_server is { HasExited: false } server)
        {
            // Leave no containers behind: a graceful delete returns once the kubelet has torn each pod down.
            await KubectlAsync(["delete", "pods", "--all", "--all-namespaces", "--grace-period=1", "--timeout=90s"], TimeSpan.FromSeconds(100));

            // A clean shutdown, as on Ctrl-C: the server stops its kubelet and containerd.
            await ProcessRunner.RunAsync("kill", ["-TERM", server.Id.ToString(CultureInfo.InvariantCulture)], null, TimeSpan.FromSeconds(5), CancellationToken.None);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            try
            {
                await server.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                server.Kill(entireProcessTree: true);
            }
        }

        _server?.Dispose();
        await ProcessRunner.RunAsync("ip", ["link", "del", _bridge], null, TimeSpan.FromSeconds(10), CancellationToken.None);
        TryDelete(KubectlCacheDirectory);
        TryDelete(DataDirectory);
    }

    /// <summary>Sends SIGTERM, as a user's Ctrl-C or <c>skiff.sh down</c> would, and returns how long the server took
    /// to exit (killing it after <paramref name="bound"/>; the result is then longer than the bound).</summary>
    public async Task<TimeSpan> TerminateAsync(TimeSpan bound)
    {
        var server = _server ?? throw new InvalidOperationException("the server is not running");
        var clock = Stopwatch.StartNew();
        await ProcessRunner.RunAsync("kill", ["-TERM", server.Id.ToString(CultureInfo.InvariantCulture)], null, TimeSpan.FromSeconds(5), CancellationToken.None);
        using var wait = new CancellationTokenSource(bound);
        try
        {
            await server.WaitForExitAsync(wait.Token);
            return clock.Elapsed;
        }
        catch (OperationCanceledException)
        {
            server.Kill(entireProcessTree: true);
            await server.WaitForExitAsync(CancellationToken.None);
            return clock.Elapsed;
        }
    }

    /// <summary>Runs the real kubectl against this cluster.</summary>
    public Task<CommandResult> KubectlAsync(IEnumerable<string> arguments, TimeSpan? timeout = null) =>
        ProcessRunner.RunAsync("kubectl", ["--kubeconfig", KubeconfigPath, "--cache-dir", KubectlCacheDirectory, .. arguments], null, timeout ?? TimeSpan.FromSeconds(60), CancellationToken.None);

    public string ReadLog() => LogTail.Read(LogPath);

    private string WriteAuditPolicy()
    {
        var path = Path.Combine(DataDirectory, "audit-policy.yaml");
        File.WriteAllText(path, "apiVersion: audit.k8s.io/v1\nkind: Policy\nomitStages: [\"RequestReceived\"]\nrules:\n- level: Metadata\n");
        return path;
    }


    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
