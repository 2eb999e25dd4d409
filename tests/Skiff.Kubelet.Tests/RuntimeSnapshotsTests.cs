using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Tests.Fakes;
using static Skiff.Kubelet.Tests.Fakes.KubeletTestContext;

namespace Skiff.Kubelet.Tests;

public sealed class RuntimeSnapshotsTests : IDisposable
{
    private readonly KubeletTestContext ctx = new();

    public void Dispose() => ctx.Dispose();

    [Fact]
    public async Task Periodic_resyncs_of_many_pods_share_one_node_wide_listing()
    {
        var pods = Enumerable.Range(0, 3).Select(i => Pod($"web-{i}", Container("nginx", "nginx"))).ToList();
        var syncers = pods.Select(ctx.Syncer).ToList();
        for (var i = 0; i < pods.Count; i++)
        {
            await syncers[i].SyncAsync(pods[i], CancellationToken.None);
        }

        for (var round = 0; round < 2; round++)
        {
            ctx.Runtime.ClearCalls();
            for (var i = 0; i < pods.Count; i++)
            {
                var status = await syncers[i].SyncAsync(pods[i], CancellationToken.None);
                Assert.Equal("Running", status.Phase);
            }

            // One unfiltered ListPodSandbox + ListContainers for all three pods, not one pair per pod.
            Assert.Equal(["ListPodSandbox", "ListContainers"], ctx.Runtime.Calls);
        }
    }

    [Fact]
    public async Task A_shared_listing_is_at_most_one_listing_behind_the_pods_last_look()
    {
        var pod = Pod("quitter", Container("job", "busybox", "true"));
        pod.Spec.RestartPolicy = "Never";
        var syncer = ctx.Syncer(pod);
        await syncer.SyncAsync(pod, CancellationToken.None);
        var other = Pod("other", Container("main", "busybox", "sleep", "inf"));
        var otherSyncer = ctx.Syncer(other);
        await otherSyncer.SyncAsync(other, CancellationToken.None);
        await otherSyncer.SyncAsync(other, CancellationToken.None);

        ctx.Runtime.Exit(ctx.Runtime.Container("job").Id, 0, "Completed");

        // The other pod's listing began after this pod's last look, so it is reused, though it predates the exit...
        var reused = await syncer.SyncAsync(pod, CancellationToken.None);
        Assert.Equal("Running", reused.Phase);
        // ...and having seen it, the next resync needs a newer listing, which shows the exit.
        var fresh = await syncer.SyncAsync(pod, CancellationToken.None);
        Assert.Equal("Succeeded", fresh.Phase);
    }

    [Fact]
    public async Task After_acting_a_worker_reads_only_what_it_changed()
    {
        var pod = Pod("web", Container("nginx", "nginx"));
        var syncer = ctx.Syncer(pod);

        await syncer.SyncAsync(pod, CancellationToken.None);

        var calls = ctx.Runtime.Calls.ToList();
        Assert.Equal(["PodSandboxStatus"], calls[(calls.IndexOf("RunPodSandbox") + 1)..calls.IndexOf("CreateContainer")]);
        Assert.Equal(["ContainerStatus"], calls[(calls.IndexOf("StartContainer") + 1)..]);
    }

    [Fact]
    public async Task A_look_after_acting_needs_a_listing_that_began_after_the_action()
    {
        var pod = Pod("web", Container("nginx", "nginx"));
        var observer = new RuntimeObserver(ctx.Runtime, "uid-web", ctx.Deps.Snapshots);
        Assert.Empty((await observer.ObserveAsync(CancellationToken.None)).Sandboxes);
        // Another worker's listing begins after this pod's look but before it acts...
        var early = await ctx.Deps.Snapshots.NewerThanAsync(ctx.Deps.Snapshots.Mark(), CancellationToken.None);
        var id = await ctx.Runtime.RunPodSandboxAsync(ctx.Deps.Sandboxes.Build(pod, 0), CancellationToken.None);
        await observer.SandboxStartedAsync(id, CancellationToken.None);
        ctx.Runtime.ClearCalls();

        // ...so it cannot show the sandbox, and the next look waits for a newer one.
        var observed = await observer.ObserveAsync(CancellationToken.None);

        Assert.Empty(early.Sandboxes);
        Assert.Equal(["ListPodSandbox", "ListContainers"], ctx.Runtime.Calls);
        Assert.Equal(id, observed.Sandbox?.Id);
    }
}
