using System.Net;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Kubelet.Api;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Tests.Fakes;
using static Skiff.Kubelet.Tests.Fakes.KubeletTestContext;

namespace Skiff.Kubelet.Tests;

/// <summary>The watch → workers → status → deletion path, over the fakes.</summary>
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
        source = new PodSource(ctx.Api, workers, "node-a", ctx.Time, NullLogger<PodSource>.Instance);
        loops = Task.WhenAll(statusManager.RunAsync(stop.Token), source.RunAsync(stop.Token));
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
        ctx.Api.AddPod(pod);
        await ctx.Api.WatchEvents.Writer.WriteAsync((WatchEventType.Added, pod));

        await NodeAgentTests.WaitUntilAsync(() => ctx.Api.Pods["default/web"].Status?.Phase == "Running");

        var status = ctx.Api.Pods["default/web"].Status;
        Assert.Equal(2, status.ContainerStatuses.Count(s => s.Ready));
        Assert.Equal("True", status.Conditions.Single(c => c.Type == "Ready").Status);
        Assert.Single(ctx.Runtime.Sandboxes);
    }

    [Fact]
    public async Task A_pod_with_a_deletion_timestamp_is_stopped_with_its_grace_period_then_deleted_with_grace_zero()
    {
        var pod = Pod("bye", Container("a"));
        ctx.Api.AddPod(pod);
        await ctx.Api.WatchEvents.Writer.WriteAsync((WatchEventType.Added, pod));
        await NodeAgentTests.WaitUntilAsync(() => ctx.Runtime.Containers.Count == 1);

        var deleting = ctx.Api.Pods["default/bye"];
        deleting.Metadata.DeletionTimestamp = DateTime.UtcNow;
        deleting.Metadata.DeletionGracePeriodSeconds = 12;
        await ctx.Api.WatchEvents.Writer.WriteAsync((WatchEventType.Modified, deleting));

        await NodeAgentTests.WaitUntilAsync(() => !ctx.Api.Pods.ContainsKey("default/bye"));
        Assert.Equal(12, Assert.Single(ctx.Runtime.Stops).Timeout);
        Assert.Empty(ctx.Runtime.Sandboxes);
        Assert.Contains("DeletePod default/bye grace=0", ctx.Api.Calls);
    }

    [Fact]
    public async Task A_pod_force_deleted_from_the_API_is_torn_down()
    {
        var pod = Pod("forced", Container("a"));
        ctx.Api.AddPod(pod);
        await ctx.Api.WatchEvents.Writer.WriteAsync((WatchEventType.Added, pod));
        await NodeAgentTests.WaitUntilAsync(() => ctx.Runtime.Containers.Count == 1);

        await ctx.Api.WatchEvents.Writer.WriteAsync((WatchEventType.Deleted, pod));

        await NodeAgentTests.WaitUntilAsync(() => ctx.Runtime.Sandboxes.Count == 0);
        Assert.DoesNotContain(ctx.Api.Calls, c => c.StartsWith("DeletePod", StringComparison.Ordinal));
        await NodeAgentTests.WaitUntilAsync(() => workers.Count == 0);
    }

    [Fact]
    public async Task An_expired_watch_lists_again_and_removes_pods_deleted_meanwhile()
    {
        var keep = Pod("keep", Container("a"));
        var gone = Pod("gone", Container("a"));
        ctx.Api.AddPod(keep);
        ctx.Api.AddPod(gone);
        await ctx.Api.WatchEvents.Writer.WriteAsync((WatchEventType.Added, keep));
        await ctx.Api.WatchEvents.Writer.WriteAsync((WatchEventType.Added, gone));
        await NodeAgentTests.WaitUntilAsync(() => ctx.Runtime.Containers.Count == 2);

        // The pod disappears while the watch is broken; the server answers the resumed watch with 410 Gone.
        ctx.Api.Pods.Remove("default/gone");
        ctx.Api.NextWatchError = new WatchExpiredException();
        var broken = ctx.Api.WatchEvents;
        ctx.Api.WatchEvents = System.Threading.Channels.Channel.CreateUnbounded<(WatchEventType, V1Pod)>();
        broken.Writer.Complete();

        await NodeAgentTests.WaitUntilAsync(() => ctx.Api.Calls.Count(c => c.StartsWith("ListPods", StringComparison.Ordinal)) >= 2);
        await NodeAgentTests.WaitUntilAsync(() => ctx.Runtime.Sandboxes.Count == 1);
        Assert.Equal("uid-keep", ctx.Runtime.Sandboxes.Values.Single().Config.Metadata.Uid);
        Assert.True(source.Has("uid-keep"));
        Assert.False(source.Has("uid-gone"));
    }

    [Fact]
    public async Task Orphaned_sandboxes_of_this_node_are_removed_and_others_are_left_alone()
    {
        var running = Pod("running", Container("a"));
        ctx.Api.AddPod(running);
        await ctx.Api.WatchEvents.Writer.WriteAsync((WatchEventType.Added, running));
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
        ctx.Api.AddPod(pod);
        ctx.Api.PodStatusConflicts = 7; // more than one write's worth of retries
        await ctx.Api.WatchEvents.Writer.WriteAsync((WatchEventType.Added, pod));

        await NodeAgentTests.WaitUntilAsync(() => ctx.Api.Pods["default/retry"].Status?.Phase == "Running");
        Assert.Equal(0, ctx.Api.PodStatusConflicts);
    }
}
