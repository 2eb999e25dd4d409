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
                var status = await syncers[i].SyncAsync(pods[i], periodic: true, CancellationToken.None);
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
        await otherSyncer.SyncAsync(other, periodic: true, CancellationToken.None);

        ctx.Runtime.Exit(ctx.Runtime.Container("job").Id, 0, "Completed");

        // The other pod's listing began after this pod's last look, so it is reused, though it predates the exit...
        var reused = await syncer.SyncAsync(pod, periodic: true, CancellationToken.None);
        Assert.Equal("Running", reused.Phase);
        // ...and having seen it, the next resync needs a newer listing, which shows the exit.
        var fresh = await syncer.SyncAsync(pod, periodic: true, CancellationToken.None);
        Assert.Equal("Succeeded", fresh.Phase);
    }

    [Fact]
    public async Task After_acting_a_worker_looks_at_its_pod_directly_not_at_a_shared_listing()
    {
        var pod = Pod("web", Container("nginx", "nginx"));
        var syncer = ctx.Syncer(pod);

        var status = await syncer.SyncAsync(pod, periodic: true, CancellationToken.None);

        Assert.Equal("Running", status.Phase);
        var calls = ctx.Runtime.Calls.ToList();
        Assert.True(calls.LastIndexOf("ListPodSandbox") > calls.IndexOf("StartContainer"));
    }
}
