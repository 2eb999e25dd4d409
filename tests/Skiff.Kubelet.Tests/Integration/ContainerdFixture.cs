using Grpc.Core;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Containerd;
using Skiff.Cri.V1;
using Skiff.Images;
using Skiff.Images.Recipes;

namespace Skiff.Kubelet.Tests.Integration;

/// <summary>
/// A real containerd for the kubelet's integration tests (the runtime's ContainerdHost with its own temp state
/// dir, bridge, subnet and stream port) with the pause and busybox images imported. Missing prerequisites fail the
/// tests under CI=true and skip them otherwise.
/// </summary>
public sealed class ContainerdFixture : IAsyncLifetime
{
    public string? SkipReason { get; private set; }

    public ContainerdInstance Containerd { get; private set; } = null!;

    public string WorkDir { get; } = Path.Combine("/tmp", "skiff-kubelet-" + Guid.NewGuid().ToString("N")[..10]);

    public async Task InitializeAsync()
    {
        var options = IsolatedNodeNetwork.Options(Path.Combine(WorkDir, "state"));
        var missing = RuntimePrerequisites.FindMissing(options).ToList();
        if (!File.Exists("/bin/busybox"))
        {
            missing.Add("/bin/busybox not found (busybox-static)");
        }

        foreach (var tool in new[] { "gcc", "ctr" })
        {
            if (ExecutableLocator.Find(tool) is null)
            {
                missing.Add($"'{tool}' not found");
            }
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

        Containerd = await ContainerdHost.StartAsync(options, NullLogger.Instance, CancellationToken.None);
        await ImageBuilder.EnsureImagesAsync(
            new ImageBuildOptions
            {
                CacheDir = Path.Combine(WorkDir, "images"),
                ContainerdAddress = Containerd.SocketPath,
                Recipes = [new PauseImageRecipe(), new BusyboxImageRecipe()],
            },
            new Progress<string>(),
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
                // containerd is gone already.
            }

            await Containerd.DisposeAsync();
            using var process = System.Diagnostics.Process.Start("ip", ["link", "del", Containerd.Options.BridgeName]);
            await process.WaitForExitAsync();
        }

        if (Directory.Exists(WorkDir))
        {
            Directory.Delete(WorkDir, recursive: true);
        }
    }
}

[CollectionDefinition(Name)]
public sealed class ContainerdCollection : ICollectionFixture<ContainerdFixture>
{
    public const string Name = "kubelet-containerd";
}
