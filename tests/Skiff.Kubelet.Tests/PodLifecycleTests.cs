using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Tests.Fakes;
using static Skiff.Kubelet.Tests.Fakes.KubeletTestContext;

namespace Skiff.Kubelet.Tests;

/// <summary>The informer → workers → status → deletion path, over the fakes.</summary>
public sealed class PodLifecycleTests : IAsyncLifetime
{
    private readonly KubeletTestContext ctx = new();
    private readonly CancellationTokenSource stop = new();
    private StatusManager statusManager = null!;
    private PodWorkers workers = null!;
    private PodSource source = null!;
    private Task loops = Task.CompletedTask;

    public Task InitializeAsync()
    {
        ctx.Options.PodResyncInterval = TimeSpan.FromSeconds(1);
        statusManager = new StatusManager(ctx.Api, NullLogger<StatusManager>.Instance);
        workers = new PodWorkers(ctx.Deps, statusManager);
        source = new PodSource(workers);
        source.Attach(ctx.Context.Informers.Get<V1Pod>(PodSource.ForNode("node-a")));
        loops = statusManager.RunAsync(stop.Token);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await stop.CancelAsync();
        await workers.DisposeAsync();
        try
        {
            await loops;
        }
        catch (OperationCanceledException)
        {
        }

        stop.Dispose();
        ctx.Dispose();
    }

    [Fact]
    public async Task A_bound_pod_runs_and_its_status_reaches_the_API()
    {
        var pod = Pod("web", Container("a"), Container("b"));
        ctx.Api.Seed(pod);

        await NodeAgentTests.WaitUntilAsync(() => ctx.Api.Peek<V1Pod>("default", "web")?.Status?.Phase == "Running");

        var status = ctx.Api.Peek<V1Pod>("default", "web")!.Status;
        Assert.Equal(2, status.ContainerStatuses.Count(s => s.Ready));
        Assert.Equal("True", status.Conditions.Single(c => c.Type == "Ready").Status);
        Assert.Single(ctx.Runtime.Sandboxes);
    }

    [Fact]
    public async Task A_pod_with_a_deletion_timestamp_is_stopped_with_its_grace_period_then_deleted_with_grace_zero()
    {
        var pod = Pod("bye", Container("a"));
        ctx.Api.Seed(pod);
        await NodeAgentTests.WaitUntilAsync(() => ctx.Runtime.Containers.Count == 1);

        // A graceful delete of a bound pod only marks it (deletionTimestamp); the kubelet's delete with grace 0 removes it.
        await ctx.Api.DeleteAsync<V1Pod>("default", "bye", new V1DeleteOptions { GracePeriodSeconds = 12 }, CancellationToken.None);

        await NodeAgentTests.WaitUntilAsync(() => ctx.Api.Peek<V1Pod>("default", "bye") is null);
        Assert.Equal(12, Assert.Single(ctx.Runtime.Stops).Timeout);
        Assert.Empty(ctx.Runtime.Sandboxes);
        Assert.Equal(2, ctx.Api.Calls.Count(c => c is { Verb: "delete", Resource: "pods", Name: "bye" }));
    }

    [Fact]
    public async Task A_pod_force_deleted_from_the_API_is_torn_down()
    {
        var pod = Pod("forced", Container("a"));
        ctx.Api.Seed(pod);
        await NodeAgentTests.WaitUntilAsync(() => ctx.Runtime.Containers.Count == 1);

        await ctx.Api.DeleteAsync<V1Pod>("default", "forced", new V1DeleteOptions { GracePeriodSeconds = 0 }, CancellationToken.None);

        await NodeAgentTests.WaitUntilAsync(() => ctx.Runtime.Sandboxes.Count == 0);
        Assert.Single(ctx.Api.Calls, c => c is { Verb: "delete", Resource: "pods" });
        await NodeAgentTests.WaitUntilAsync(() => workers.Count == 0);
    }

    [Fact]
    public async Task An_expired_watch_lists_again_and_removes_pods_deleted_meanwhile()
    {
        var keep = Pod("keep", Container("a"));
        var gone = Pod("gone", Container("a"));
        ctx.Api.Seed(keep);
        ctx.Api.Seed(gone);
        await NodeAgentTests.WaitUntilAsync(() => ctx.Runtime.Containers.Count == 2);

        // The pod disappears while the watch is broken; the server answers the resumed watch with 410 Gone.
        ctx.Api.ForgetWhileWatchesAreDown<V1Pod>("default", "gone");

        await NodeAgentTests.WaitUntilAsync(() => ctx.Api.Calls.Count(c => c is { Verb: "list", Resource: "pods" }) >= 2);
        await NodeAgentTests.WaitUntilAsync(() => ctx.Runtime.Sandboxes.Count == 1);
        Assert.Equal("uid-keep", ctx.Runtime.Sandboxes.Values.Single().Config.Metadata.Uid);
        Assert.True(source.Has("uid-keep"));
        Assert.False(source.Has("uid-gone"));
    }

    [Fact]
    public async Task Orphaned_sandboxes_of_this_node_are_removed_and_others_are_left_alone()
    {
        var running = Pod("running", Container("a"));
        ctx.Api.Seed(running);
        await NodeAgentTests.WaitUntilAsync(() => ctx.Runtime.Containers.Count == 1);
        var orphan = Pod("orphan", Container("a"));
        await ctx.Syncer(orphan).SyncAsync(orphan, CancellationToken.None);
        var otherNode = ctx.Deps.Sandboxes.Build(Pod("elsewhere"), 0);
        otherNode.Labels[KubeletLabels.Node] = "node-b";
        await ctx.Runtime.RunPodSandboxAsync(otherNode, CancellationToken.None);
        var collector = new OrphanCollector(ctx.Runtime, ctx.Deps.Terminator, workers.IsKnown, "node-a", NullLogger<OrphanCollector>.Instance);

        var removed = await collector.CollectAsync(CancellationToken.None);

        Assert.Equal(["uid-orphan"], removed);
        Assert.Equal(
            ["uid-elsewhere", "uid-running"],
            ctx.Runtime.Sandboxes.Values.Select(s => s.Config.Metadata.Uid).Order());
    }

    [Fact]
    public async Task Status_write_failures_are_retried()
    {
        var pod = Pod("retry", Container("a"));
        for (var i = 0; i < 7; i++)
        {
            ctx.Api.FailNext("update", "pods/status", StatusManagerTests.Conflict()); // more than one write's worth of retries
        }

        ctx.Api.Seed(pod);

        await NodeAgentTests.WaitUntilAsync(() => ctx.Api.Peek<V1Pod>("default", "retry")?.Status?.Phase == "Running");
        Assert.True(ctx.Api.Calls.Count(StatusManagerTests.IsStatusWrite) >= 8);
    }
}
