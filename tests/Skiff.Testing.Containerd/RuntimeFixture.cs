using System.Diagnostics;
using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Containerd;
using Skiff.Cri.V1;
using Skiff.Images;
using Xunit;

namespace Skiff.Testing.Containerd;

/// <summary>
/// One real containerd for integration tests (the runtime's and the kubelet's; each test assembly declares its own
/// collection over it): its own temp state dir, bridge, subnet and stream port, with the
/// pause, busybox and nginx images built from this host's packages and imported. When containerd, runc, the CNI
/// plugins, gcc or busybox-static are missing the tests fail under CI=true and are skipped otherwise.
/// </summary>
public sealed class RuntimeFixture : IAsyncLifetime
{
    private readonly List<string> log = [];

    public string? SkipReason { get; private set; }

    public ContainerdInstance Containerd { get; private set; } = null!;

    public string WorkDir { get; } = Path.Combine("/tmp", "skiff-ctd-" + Guid.NewGuid().ToString("N")[..10]);

    public string LogRoot => Path.Combine(WorkDir, "pods");

    public IReadOnlyList<ImageBuildResult> Images { get; private set; } = [];

    public IReadOnlyList<string> Progress => log;

    public async Task InitializeAsync()
    {
        var options = IsolatedNodeNetwork.Options(Path.Combine(WorkDir, "state"));
        var missing = RuntimePrerequisites.FindMissing(options).ToList();
        foreach (var tool in new[] { "gcc", "ctr", "apt-get", "dpkg" })
        {
            if (ExecutableLocator.Find(tool) is null)
            {
                missing.Add($"'{tool}' not found");
            }
        }

        if (!File.Exists("/bin/busybox"))
        {
            missing.Add("/bin/busybox not found (busybox-static)");
        }

        if (missing.Count > 0)
        {
            var reason = "Container runtime not available: " + string.Join("; ", missing);
            if (Environment.GetEnvironmentVariable("CI") == "true")
            {
                throw new InvalidOperationException(reason + " (CI=true: this must not be skipped).");
            }

            SkipReason = reason;
            return;
        }

        // NodeRuntime builds and imports the images; asking again afterwards gives their digests from the cache.
        Containerd = await NodeRuntime.StartAsync(options, Path.Combine(WorkDir, "images"), NullLogger.Instance, CancellationToken.None);
        Images = await ImageBuilder.EnsureImagesAsync(
            new ImageBuildOptions { CacheDir = Path.Combine(WorkDir, "images"), ContainerdAddress = Containerd.SocketPath },
            new SynchronousProgress(log),
            CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (Containerd is not null)
        {
            try
            {
                var sandboxes = await Containerd.Cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest());
                foreach (var sandbox in sandboxes.Items)
                {
                    await Containerd.Cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = sandbox.Id });
                    await Containerd.Cri.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = sandbox.Id });
                }
            }
            catch (RpcException)
            {
                // containerd is gone already; nothing left to stop through it.
            }

            await Containerd.DisposeAsync();
            await RunAsync("ip", "link", "del", Containerd.Options.BridgeName);
        }

        if (Directory.Exists(WorkDir))
        {
            Directory.Delete(WorkDir, recursive: true);
        }
    }

    private static async Task RunAsync(string program, params string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        await process.WaitForExitAsync();
    }

    /// <summary>Progress that records on the calling thread (Progress&lt;T&gt; would post to the thread pool).</summary>
    private sealed class SynchronousProgress(List<string> lines) : IProgress<string>
    {
        public void Report(string value)
        {
            lock (lines)
            {
                lines.Add(value);
            }
        }
    }
}
