using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Cri.V1;

namespace Skiff.Containerd.Tests;

/// <summary>Starting and stopping containerd itself, each test with its own state dir (no pods, so no bridge).</summary>
public sealed class ContainerdLifecycleTests : IDisposable
{
    private readonly string workDir = Path.Combine("/tmp", "skiff-life-" + Guid.NewGuid().ToString("N")[..10]);

    public void Dispose()
    {
        if (Directory.Exists(workDir))
        {
            Directory.Delete(workDir, recursive: true);
        }
    }

    [SkippableFact]
    public async Task Dispose_stops_containerd_and_a_new_start_on_the_same_state_dir_works()
    {
        var options = Require(IsolatedNodeNetwork.Options(Path.Combine(workDir, "state")));
        int firstPid;
        await using (var first = await ContainerdHost.StartAsync(options, NullLogger.Instance, CancellationToken.None))
        {
            firstPid = first.ProcessId;
            Assert.True(File.Exists(options.SocketPath));
            Assert.True(File.Exists(options.ConfigPath));
            Assert.True(File.Exists(Path.Combine(options.CniConfDir, "10-skiff-bridge.conflist")));
        }

        Assert.False(ProcessExists(firstPid));
        await using var second = await ContainerdHost.StartAsync(options, NullLogger.Instance, CancellationToken.None);
        var version = await second.Cri.Runtime.VersionAsync(new VersionRequest());
        Assert.Equal("containerd", version.RuntimeName);
    }

    [SkippableFact]
    public async Task A_deferred_pod_network_starts_without_CNI_and_is_ready_once_its_subnet_is_written()
    {
        var options = Require(IsolatedNodeNetwork.Options(Path.Combine(workDir, "state"))) with { DeferPodNetwork = true };
        var conflist = Path.Combine(options.CniConfDir, "10-skiff-bridge.conflist");
        Directory.CreateDirectory(options.CniConfDir);
        await File.WriteAllTextAsync(conflist, "left from an earlier start with another subnet");

        await using var containerd = await ContainerdHost.StartAsync(options, NullLogger.Instance, CancellationToken.None);
        Assert.False(File.Exists(conflist));
        var before = await containerd.Cri.Runtime.StatusAsync(new StatusRequest());
        Assert.Contains(before.Status.Conditions, c => c is { Type: "RuntimeReady", Status: true });
        Assert.Contains(before.Status.Conditions, c => c is { Type: "NetworkReady", Status: false });

        await containerd.ConfigurePodNetworkAsync("10.207.3.0/24", CancellationToken.None);
        var after = await containerd.Cri.Runtime.StatusAsync(new StatusRequest());
        Assert.Contains(after.Status.Conditions, c => c is { Type: "NetworkReady", Status: true });
        Assert.Contains("\"subnet\": \"10.207.3.0/24\"", await File.ReadAllTextAsync(conflist), StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task A_containerd_left_running_for_the_same_state_dir_is_replaced()
    {
        var options = Require(IsolatedNodeNetwork.Options(Path.Combine(workDir, "state")));
        var leftover = await ContainerdHost.StartAsync(options, NullLogger.Instance, CancellationToken.None);
        try
        {
            // As if skiff had been killed: the first containerd keeps running and a new start comes along.
            await using var replacement = await ContainerdHost.StartAsync(options, NullLogger.Instance, CancellationToken.None);
            Assert.True(leftover.HasExited);
            Assert.NotEqual(leftover.ProcessId, replacement.ProcessId);
            var status = await replacement.Cri.Runtime.StatusAsync(new StatusRequest());
            Assert.Contains(status.Status.Conditions, c => c.Type == "NetworkReady" && c.Status);
        }
        finally
        {
            await leftover.DisposeAsync();
        }
    }

    [SkippableFact]
    public async Task A_containerd_that_cannot_start_is_reported_with_its_log()
    {
        var options = Require(IsolatedNodeNetwork.Options(Path.Combine(workDir, "state")));
        Directory.CreateDirectory(options.StateDir);
        // A directory where the socket should be makes containerd fail to listen.
        Directory.CreateDirectory(options.SocketPath);
        await File.WriteAllTextAsync(Path.Combine(options.SocketPath, "keep"), "x");
        var error = await Assert.ThrowsAsync<ContainerdStartException>(() =>
            ContainerdHost.StartAsync(options with { StartTimeout = TimeSpan.FromSeconds(20) }, NullLogger.Instance, CancellationToken.None));
        Assert.Contains(options.LogPath, error.Message, StringComparison.Ordinal);
    }

    private static ContainerdOptions Require(ContainerdOptions options)
    {
        var missing = RuntimePrerequisites.FindMissing(options);
        if (missing.Count > 0 && Environment.GetEnvironmentVariable("CI") == "true")
        {
            Assert.Fail("Container runtime not available (CI=true): " + string.Join("; ", missing));
        }

        Skip.If(missing.Count > 0, "Container runtime not available: " + string.Join("; ", missing));
        return options;
    }

    private static bool ProcessExists(int pid)
    {
        try
        {
            using var process = Process.GetProcessById(pid);
            return !process.HasExited;
        }
        catch (ArgumentException)
        {
            return false;
        }
    }
}
