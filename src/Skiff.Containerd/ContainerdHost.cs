using System.Diagnostics;
using System.Globalization;
using Grpc.Core;
using Microsoft.Extensions.Logging;
using Skiff.Cri;
using Skiff.Cri.V1;

namespace Skiff.Containerd;

/// <summary>
/// Starts a containerd child process with a generated configuration and waits until its CRI answers
/// RuntimeReady and NetworkReady.
/// </summary>
public static class ContainerdHost
{
    private static readonly TimeSpan PollInterval = TimeSpan.FromMilliseconds(100);

    /// <summary>
    /// Writes the config and CNI conflist under <see cref="ContainerdOptions.StateDir"/>, starts containerd and
    /// returns once CRI reports RuntimeReady and NetworkReady. A containerd left running from an earlier start with
    /// the same state dir is stopped first (its pods keep running and are picked up again).
    /// Dispose the handle to stop containerd.
    /// </summary>
    /// <exception cref="RuntimePrerequisiteException">containerd, runc or CNI plugins are missing, or not root.</exception>
    /// <exception cref="ContainerdStartException">containerd exited or did not become ready in time.</exception>
    public static async Task<ContainerdInstance> StartAsync(ContainerdOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        ArgumentNullException.ThrowIfNull(logger);
        options.Validate();
        RuntimePrerequisites.EnsurePresent(options);

        Directory.CreateDirectory(options.StateDir);
        await StopLeftoverAsync(options, logger, cancellationToken).ConfigureAwait(false);
        await WriteConfigurationAsync(options, cancellationToken).ConfigureAwait(false);

        var stopwatch = Stopwatch.StartNew();
        var process = Launch(options);
        await File.WriteAllTextAsync(PidFile(options), process.Id.ToString(CultureInfo.InvariantCulture), cancellationToken).ConfigureAwait(false);
        logger.LogInformation("Started containerd (pid {Pid}) with {Config}; socket {Socket}, bridge {Bridge} {Subnet}, stream port {Port}",
            process.Id, options.ConfigPath, options.SocketPath, options.BridgeName, options.DeferPodNetwork ? "(subnet from the node's spec.podCIDR)" : options.Subnet, options.StreamPort);

        var connection = CriConnection.Open(options.SocketPath);
        var instance = new ContainerdInstance(options, process, connection, logger);
        try
        {
            var version = await WaitUntilReadyAsync(options, process, connection, cancellationToken).ConfigureAwait(false);
            logger.LogInformation("containerd {Version} ready in {Elapsed} ms (CRI {ApiVersion})",
                version.RuntimeVersion, stopwatch.ElapsedMilliseconds, version.RuntimeApiVersion);
            return instance;
        }
        catch
        {
            await instance.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    internal static string PidFile(ContainerdOptions options) => Path.Combine(options.StateDir, "containerd.pid");

    private static async Task WriteConfigurationAsync(ContainerdOptions options, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(options.RootDir);
        Directory.CreateDirectory(options.RunDir);
        Directory.CreateDirectory(options.CniConfDir);
        Directory.CreateDirectory(options.CniIpamDir);
        await WriteRegistryHostsAsync(options, cancellationToken).ConfigureAwait(false);
        await File.WriteAllTextAsync(options.ConfigPath, ContainerdConfigFile.Render(options), cancellationToken).ConfigureAwait(false);
        var conflist = Path.Combine(options.CniConfDir, CniConfigFile.FileName);
        if (options.DeferPodNetwork)
        {
            // A subnet from an earlier start may no longer be the node's: the new one is written once known.
            File.Delete(conflist);
            return;
        }

        await File.WriteAllTextAsync(conflist, CniConfigFile.Render(options), cancellationToken).ConfigureAwait(false);
    }

    /// <summary>Writes the CNI conflist for <paramref name="subnet"/> (containerd reloads it on the file event) and
    /// waits until CRI reports NetworkReady.</summary>
    internal static async Task ConfigurePodNetworkAsync(ContainerdOptions options, CriConnection connection, string subnet, CancellationToken cancellationToken)
    {
        var withSubnet = options with { Subnet = subnet, DeferPodNetwork = false };
        withSubnet.Validate();
        // Written in place: containerd 1.6's conf syncer reloads on write events (a file renamed into the directory
        // was not picked up here); a reload that reads a half-written file is followed by one for the rest.
        await File.WriteAllTextAsync(Path.Combine(options.CniConfDir, CniConfigFile.FileName), CniConfigFile.Render(withSubnet), cancellationToken).ConfigureAwait(false);

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.StartTimeout);
        var lastProblem = "no NetworkReady condition";
        try
        {
            while (true)
            {
                try
                {
                    var status = await connection.Runtime.StatusAsync(new StatusRequest(), deadline: DateTime.UtcNow.AddSeconds(2), cancellationToken: timeout.Token).ConfigureAwait(false);
                    var network = status.Status.Conditions.FirstOrDefault(c => c.Type == "NetworkReady");
                    if (network is { Status: true })
                    {
                        return;
                    }

                    lastProblem = network is null ? lastProblem : $"NetworkReady=false ({network.Reason}: {network.Message})";
                }
                catch (RpcException e) when (!timeout.IsCancellationRequested)
                {
                    lastProblem = $"CRI Status failed: {e.Status.StatusCode} {e.Status.Detail}";
                }

                await Task.Delay(PollInterval, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ContainerdStartException(
                $"containerd did not load the pod network {subnet} within {options.StartTimeout.TotalSeconds:0} s: {lastProblem}. Last lines of {options.LogPath}:\n{LogTail(options.LogPath)}");
        }
    }

    /// <summary>The hosts.toml tree is rebuilt from the options on every start, so a registry removed from
    /// registries.yaml leaves nothing behind.</summary>
    private static async Task WriteRegistryHostsAsync(ContainerdOptions options, CancellationToken cancellationToken)
    {
        if (Directory.Exists(options.RegistryConfigDir))
        {
            Directory.Delete(options.RegistryConfigDir, recursive: true);
        }

        Directory.CreateDirectory(options.RegistryConfigDir);
        foreach (var (host, toml) in Registries.RegistryHostsFiles.Render(options.Registries))
        {
            var directory = Path.Combine(options.RegistryConfigDir, host);
            Directory.CreateDirectory(directory);
            await File.WriteAllTextAsync(Path.Combine(directory, "hosts.toml"), toml, cancellationToken).ConfigureAwait(false);
        }
    }

    private static Process Launch(ContainerdOptions options)
    {
        var containerd = ExecutableLocator.Find(options.ContainerdBinary)
            ?? throw new RuntimePrerequisiteException([$"'{options.ContainerdBinary}' not found"]);
        // The shell only sets up the log redirection and then becomes containerd (same pid). setsid puts containerd
        // in its own session so a Ctrl+C meant for skiff does not kill it before skiff stops it in order.
        var startInfo = new ProcessStartInfo("/bin/sh")
        {
            UseShellExecute = false,
            WorkingDirectory = options.StateDir,
        };
        startInfo.ArgumentList.Add("-c");
        startInfo.ArgumentList.Add("command -v setsid >/dev/null && exec setsid \"$0\" --config \"$1\" >>\"$2\" 2>&1 </dev/null; exec \"$0\" --config \"$1\" >>\"$2\" 2>&1 </dev/null");
        startInfo.ArgumentList.Add(containerd);
        startInfo.ArgumentList.Add(options.ConfigPath);
        startInfo.ArgumentList.Add(options.LogPath);
        // containerd finds containerd-shim-runc-v2 and the shim finds runc through PATH; runc is in /usr/sbin.
        var path = Environment.GetEnvironmentVariable("PATH") ?? string.Empty;
        startInfo.Environment["PATH"] = string.Join(':', path.Split(':', StringSplitOptions.RemoveEmptyEntries)
            .Concat(["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"]).Distinct());
        return Process.Start(startInfo) ?? throw new ContainerdStartException($"Could not start {containerd}.");
    }

    private static async Task<VersionResponse> WaitUntilReadyAsync(ContainerdOptions options, Process process, CriConnection connection, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(options.StartTimeout);
        var lastProblem = "the socket did not appear";
        try
        {
            while (true)
            {
                if (process.HasExited)
                {
                    throw new ContainerdStartException(
                        $"containerd exited with code {process.ExitCode} during start. Last lines of {options.LogPath}:\n{LogTail(options.LogPath)}");
                }

                if (File.Exists(options.SocketPath))
                {
                    try
                    {
                        var callDeadline = DateTime.UtcNow.AddSeconds(2);
                        var status = await connection.Runtime.StatusAsync(new StatusRequest(), deadline: callDeadline, cancellationToken: timeout.Token).ConfigureAwait(false);
                        // With the pod network deferred, NetworkReady comes later (ConfigurePodNetworkAsync).
                        var wanted = options.DeferPodNetwork ? ["RuntimeReady"] : new[] { "RuntimeReady", "NetworkReady" };
                        var notReady = status.Status.Conditions
                            .Where(c => wanted.Contains(c.Type) && !c.Status)
                            .Select(c => $"{c.Type}=false ({c.Reason}: {c.Message})")
                            .ToList();
                        var seen = status.Status.Conditions.Count(c => wanted.Contains(c.Type));
                        if (notReady.Count == 0 && seen == wanted.Length)
                        {
                            return await connection.Runtime.VersionAsync(new VersionRequest { Version = "v1" }, cancellationToken: timeout.Token).ConfigureAwait(false);
                        }

                        lastProblem = notReady.Count > 0 ? string.Join("; ", notReady) : "conditions RuntimeReady/NetworkReady not reported";
                    }
                    catch (RpcException e) when (!timeout.IsCancellationRequested)
                    {
                        lastProblem = $"CRI Status failed: {e.Status.StatusCode} {e.Status.Detail}";
                    }
                }

                await Task.Delay(PollInterval, timeout.Token).ConfigureAwait(false);
            }
        }
        catch (Exception e) when (e is OperationCanceledException or RpcException && timeout.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new ContainerdStartException(
                $"containerd did not become ready within {options.StartTimeout.TotalSeconds:0} s: {lastProblem}. Last lines of {options.LogPath}:\n{LogTail(options.LogPath)}");
        }
    }

    /// <summary>Stops a containerd an earlier run left behind for this state dir (e.g. after skiff was killed).</summary>
    private static async Task StopLeftoverAsync(ContainerdOptions options, ILogger logger, CancellationToken cancellationToken)
    {
        var pidFile = PidFile(options);
        if (File.Exists(pidFile)
            && int.TryParse(await File.ReadAllTextAsync(pidFile, cancellationToken).ConfigureAwait(false), NumberStyles.None, CultureInfo.InvariantCulture, out var pid)
            && IsContainerdWithConfig(pid, options.ConfigPath))
        {
            logger.LogWarning("Stopping containerd (pid {Pid}) left running by an earlier start with {StateDir}", pid, options.StateDir);
            using var leftover = Process.GetProcessById(pid);
            await ContainerdInstance.TerminateAsync(leftover, options.StopTimeout, cancellationToken).ConfigureAwait(false);
        }

        if (File.Exists(options.SocketPath))
        {
            File.Delete(options.SocketPath);
        }
    }

    private static bool IsContainerdWithConfig(int pid, string configPath)
    {
        try
        {
            var cmdline = File.ReadAllText($"/proc/{pid.ToString(CultureInfo.InvariantCulture)}/cmdline").Split('\0');
            return cmdline.Length > 0 && Path.GetFileName(cmdline[0]) == "containerd" && cmdline.Contains(configPath);
        }
        catch (IOException)
        {
            return false;
        }
    }

    internal static string LogTail(string logPath, int lines = 15)
    {
        try
        {
            return string.Join('\n', File.ReadLines(logPath).TakeLast(lines));
        }
        catch (IOException)
        {
            return "(no log)";
        }
    }
}
