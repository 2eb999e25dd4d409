using k8s.Models;
using Skiff.Client.Cache;

namespace Skiff.Simulation.Tests;

/// <summary>The pod state machine of a simulated node, on a fake clock.</summary>
public sealed class PodSimulatorTests
{
    [Fact]
    public async Task A_bound_pod_becomes_Running_and_Ready_with_an_address_of_its_nodes_range()
    {
        await using var f = await RegisteredAsync();
        f.Api.Seed(SimulationFixture.Pod("a", "sim-node-1"));
        f.Api.Seed(SimulationFixture.Pod("b", "sim-node-1"));
        await SyncWhenCachedAsync(f, "default/a");
        await SyncWhenCachedAsync(f, "default/b");

        var a = f.Api.Peek<V1Pod>("default", "a")!;
        Assert.Equal("Running", a.Status.Phase);
        Assert.Equal("10.128.1.2", a.Status.PodIP);
        Assert.Equal("10.127.0.2", a.Status.HostIP);
        Assert.Equal(SimulationFixture.Start.UtcDateTime, a.Status.StartTime);
        foreach (var type in new[] { "PodScheduled", "Initialized", "ContainersReady", "Ready" })
        {
            Assert.Contains(a.Status.Conditions, c => c.Type == type && c.Status == "True");
        }

        var container = Assert.Single(a.Status.ContainerStatuses);
        Assert.True(container.Ready);
        Assert.NotNull(container.State.Running);
        Assert.Equal("10.128.1.3", f.Api.Peek<V1Pod>("default", "b")!.Status.PodIP);

        // Once Running, a sync writes nothing more.
        await SimulationFixture.EventuallyAsync(() => f.PodCache.GetByKey("default/a")?.Status?.Phase == "Running", "a Running in the cache");
        f.Api.ClearCalls();
        await f.Pods.SyncAsync("default/a", default);
        Assert.Empty(f.Api.Calls);
    }

    [Fact]
    public async Task Pods_of_other_nodes_and_unbound_pods_are_left_alone()
    {
        await using var f = await RegisteredAsync();
        f.Api.Seed(SimulationFixture.Pod("real", "my-laptop"));
        f.Api.Seed(SimulationFixture.Pod("pending", ""));
        await SimulationFixture.EventuallyAsync(() => f.PodCache.Count == 2, "both pods cached");
        f.Api.ClearCalls();
        await f.Pods.SyncAsync("default/real", default);
        await f.Pods.SyncAsync("default/pending", default);

        Assert.Empty(f.Api.Calls);
        Assert.Equal(0, f.Pods.Queue.Count);
        Assert.Equal("Pending", f.Api.Peek<V1Pod>("default", "real")!.Status.Phase);
    }

    [Fact]
    public async Task A_restartPolicy_Never_pod_with_a_run_time_succeeds_after_it()
    {
        await using var f = await RegisteredAsync();
        f.Api.Seed(SimulationFixture.Pod("job", "sim-node-0", "Never", new() { [SimulationOptions.RunSecondsAnnotation] = "30" }));
        await SyncWhenCachedAsync(f, "default/job");
        Assert.Equal("Running", f.Api.Peek<V1Pod>("default", "job")!.Status.Phase);

        f.Time.Advance(TimeSpan.FromSeconds(29));
        await SimulationFixture.EventuallyAsync(() => f.PodCache.GetByKey("default/job")?.Status?.Phase == "Running", "job Running in the cache");
        await f.Pods.SyncAsync("default/job", default);
        Assert.Equal("Running", f.Api.Peek<V1Pod>("default", "job")!.Status.Phase);

        f.Time.Advance(TimeSpan.FromSeconds(1));
        await f.Pods.SyncAsync("default/job", default);
        var done = f.Api.Peek<V1Pod>("default", "job")!;
        Assert.Equal("Succeeded", done.Status.Phase);
        var terminated = Assert.Single(done.Status.ContainerStatuses).State.Terminated;
        Assert.Equal(0, terminated.ExitCode);
        Assert.Equal("Completed", terminated.Reason);
        Assert.Equal(SimulationFixture.Start.AddSeconds(30).UtcDateTime, terminated.FinishedAt);
        Assert.Contains(done.Status.Conditions, c => c.Type == "Ready" && c.Status == "False" && c.Reason == "PodCompleted");
    }

    [Fact]
    public async Task Pods_that_restart_or_have_no_run_time_keep_running()
    {
        Assert.Null(PodSimulator.RunTime(SimulationFixture.Pod("a", "n", "Always", new() { [SimulationOptions.RunSecondsAnnotation] = "5" })));
        Assert.Null(PodSimulator.RunTime(SimulationFixture.Pod("b", "n", "Never")));
        Assert.Null(PodSimulator.RunTime(SimulationFixture.Pod("c", "n", "Never", new() { [SimulationOptions.RunSecondsAnnotation] = "soon" })));
        Assert.Equal(TimeSpan.FromSeconds(2.5), PodSimulator.RunTime(SimulationFixture.Pod("d", "n", "Never", new() { [SimulationOptions.RunSecondsAnnotation] = "2.5" })));
        await Task.CompletedTask;
    }

    [Fact]
    public async Task A_deleted_pod_is_removed_once_its_grace_period_is_over_and_its_address_is_reused()
    {
        await using var f = await RegisteredAsync();
        f.Api.Seed(SimulationFixture.Pod("a", "sim-node-0"));
        await SyncWhenCachedAsync(f, "default/a");
        Assert.Equal("10.128.0.2", f.Api.Peek<V1Pod>("default", "a")!.Status.PodIP);

        // As the API server marks it: deletionTimestamp is the end of the grace period.
        var marked = f.Api.Peek<V1Pod>("default", "a")!;
        marked.Metadata.DeletionTimestamp = SimulationFixture.Start.AddSeconds(30).UtcDateTime;
        marked.Metadata.DeletionGracePeriodSeconds = 30;
        f.Api.Forget<V1Pod>("default", "a");
        f.Api.Seed(marked);
        await SimulationFixture.EventuallyAsync(() => f.PodCache.GetByKey("default/a")?.Metadata.DeletionTimestamp is not null, "the deletion in the cache");

        f.Time.Advance(TimeSpan.FromSeconds(20));
        await f.Pods.SyncAsync("default/a", default);
        Assert.NotNull(f.Api.Peek<V1Pod>("default", "a"));

        f.Time.Advance(TimeSpan.FromSeconds(10));
        await f.Pods.SyncAsync("default/a", default);
        Assert.Null(f.Api.Peek<V1Pod>("default", "a"));
        Assert.Contains(f.Api.Calls, c => c.Verb == "delete" && c.Resource == "pods" && c.Name == "a");

        await SimulationFixture.EventuallyAsync(() => f.PodCache.GetByKey("default/a") is null, "a gone from the cache");
        await f.Pods.SyncAsync("default/a", default);
        f.Api.Seed(SimulationFixture.Pod("b", "sim-node-0"));
        await SyncWhenCachedAsync(f, "default/b");
        Assert.Equal("10.128.0.2", f.Api.Peek<V1Pod>("default", "b")!.Status.PodIP);
    }

    [Fact]
    public async Task Addresses_pods_already_hold_are_not_handed_out_again()
    {
        await using var f = await RegisteredAsync();
        var running = SimulationFixture.Pod("old", "sim-node-0");
        running.Status = new V1PodStatus { Phase = "Running", PodIP = "10.128.0.2" };
        f.Api.Seed(running);
        f.Api.Seed(SimulationFixture.Pod("new", "sim-node-0"));
        await SimulationFixture.EventuallyAsync(() => f.PodCache.Count == 2, "both pods cached");
        await f.Pods.SyncAsync("default/new", default);

        Assert.Equal("10.128.0.3", f.Api.Peek<V1Pod>("default", "new")!.Status.PodIP);
    }

    private static async Task<SimulationFixture> RegisteredAsync()
    {
        var f = new SimulationFixture(nodes: 2);
        await f.WatchingAsync();
        await f.Nodes.SyncAsync("sim-node-0", default);
        await f.Nodes.SyncAsync("sim-node-1", default);
        return f;
    }

    private static async Task SyncWhenCachedAsync(SimulationFixture f, string key)
    {
        await SimulationFixture.EventuallyAsync(() => f.PodCache.GetByKey(key) is not null, key + " in the cache");
        await f.Pods.SyncAsync(key, default);
    }
}
