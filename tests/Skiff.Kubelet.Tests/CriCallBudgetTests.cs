using Grpc.Core;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Tests.Fakes;
using static Skiff.Kubelet.Tests.Fakes.KubeletTestContext;

namespace Skiff.Kubelet.Tests;

/// <summary>
/// Pins the CRI calls a pod start costs, so they cannot creep back: every call queues in a runtime that is already
/// busy starting the other pods of a burst. Raw CRI needs RunPodSandbox, ImageStatus, CreateContainer and
/// StartContainer; the kubelet adds one shared listing to find what already runs, PodSandboxStatus for the pod IP and
/// ContainerStatus for the started container's state.
/// </summary>
public sealed class CriCallBudgetTests : IDisposable
{
    private readonly KubeletTestContext ctx = new();

    public void Dispose() => ctx.Dispose();

    [Fact]
    public async Task Starting_one_pod_makes_each_needed_call_once()
    {
        var pod = Pod("web", Container("nginx", "nginx"));

        var status = await ctx.Syncer(pod).SyncAsync(pod, CancellationToken.None);

        Assert.Equal("Running", status.Phase);
        Assert.Equal("10.88.0.1", status.PodIP);
        Assert.NotNull(status.ContainerStatuses[0].State.Running.StartedAt);
        Assert.Equal(
            ["ListPodSandbox", "ListContainers", "RunPodSandbox", "PodSandboxStatus", "CreateContainer", "StartContainer", "ContainerStatus"],
            ctx.Runtime.Calls);
        Assert.Equal(["ImageStatus nginx"], ctx.Images.Calls);
    }

    [Fact]
    public async Task A_running_pod_costs_only_its_share_of_one_listing_per_sync()
    {
        var pod = Pod("web", Container("nginx", "nginx"), Container("side", "busybox", "sleep", "inf"));
        var syncer = ctx.Syncer(pod);
        await syncer.SyncAsync(pod, CancellationToken.None);

        for (var round = 0; round < 3; round++)
        {
            ctx.Runtime.ClearCalls();
            ctx.Images.Calls.Clear();
            // Its own status coming back from the API, or the resync timer: the sandbox IP and the running containers'
            // states are known, only a listing can tell whether they still run.
            var status = await syncer.SyncAsync(pod, CancellationToken.None);

            Assert.Equal("Running", status.Phase);
            Assert.Equal(["ListPodSandbox", "ListContainers"], ctx.Runtime.Calls);
            Assert.Empty(ctx.Images.Calls);
        }
    }

    [Fact]
    public async Task A_running_host_network_pod_does_not_ask_for_its_sandbox_status_again()
    {
        var pod = Pod("host", Container("main"));
        pod.Spec.HostNetwork = true;
        var syncer = ctx.Syncer(pod);
        await syncer.SyncAsync(pod, CancellationToken.None);
        ctx.Runtime.ClearCalls();

        var status = await syncer.SyncAsync(pod, CancellationToken.None);

        Assert.Equal("Running", status.Phase);
        Assert.Equal("True", status.Conditions.Single(c => c.Type == "PodReadyToStartContainers").Status);
        Assert.Equal(["ListPodSandbox", "ListContainers"], ctx.Runtime.Calls);
    }

    [Fact]
    public async Task Pods_starting_together_share_their_first_listing_and_the_image_lookup()
    {
        var pods = Enumerable.Range(0, 5).Select(i => Pod($"web-{i}", Container("nginx", "nginx"))).ToList();
        var syncers = pods.Select(ctx.Syncer).ToList();

        var statuses = await Task.WhenAll(pods.Select((pod, i) => syncers[i].SyncAsync(pod, CancellationToken.None)));

        Assert.All(statuses, s => Assert.Equal("Running", s.Phase));
        var calls = ctx.Runtime.Calls.GroupBy(c => c).ToDictionary(g => g.Key, g => g.Count());
        Assert.Equal(1, calls["ListPodSandbox"]);
        Assert.Equal(1, calls["ListContainers"]);
        Assert.Equal(5, calls["RunPodSandbox"]);
        Assert.Equal(5, calls["PodSandboxStatus"]);
        Assert.Equal(5, calls["CreateContainer"]);
        Assert.Equal(5, calls["StartContainer"]);
        Assert.Equal(5, calls["ContainerStatus"]);
        Assert.Equal(["ImageStatus nginx"], ctx.Images.Calls);
    }

    [Fact]
    public async Task Tearing_down_a_pod_its_worker_ran_needs_no_listing()
    {
        var pod = Pod("bye", Container("nginx", "nginx"));
        var syncer = ctx.Syncer(pod);
        await syncer.SyncAsync(pod, CancellationToken.None);
        ctx.Runtime.ClearCalls();

        await syncer.TerminateAsync(pod, 5, CancellationToken.None);

        Assert.Equal(["StopContainer", "StopPodSandbox", "RemovePodSandbox"], ctx.Runtime.Calls);
        Assert.Equal(5, Assert.Single(ctx.Runtime.Stops).Timeout);
        Assert.Empty(ctx.Runtime.Sandboxes);
        Assert.Empty(ctx.Runtime.Containers);
    }

    [Fact]
    public async Task A_worker_without_a_complete_look_lists_what_to_tear_down()
    {
        // Run by an earlier worker (a kubelet restart); the new one is told to delete it before it ever synced.
        var pod = Pod("adopted", Container("nginx", "nginx"));
        await ctx.Syncer(pod).SyncAsync(pod, CancellationToken.None);
        ctx.Runtime.ClearCalls();

        await ctx.Syncer(pod).TerminateAsync(pod, 5, CancellationToken.None);

        Assert.Equal(["ListContainers", "StopContainer", "ListPodSandbox", "StopPodSandbox", "RemovePodSandbox"], ctx.Runtime.Calls);
        Assert.Empty(ctx.Runtime.Sandboxes);
    }

    [Fact]
    public async Task An_image_is_asked_for_again_after_its_lifetime_and_after_a_create_of_it_failed()
    {
        var first = Pod("first", Container("nginx", "nginx"));
        await ctx.Syncer(first).SyncAsync(first, CancellationToken.None);
        Assert.Single(ctx.Images.Calls);

        ctx.Time.Advance(ImagePresence.Lifetime);
        var second = Pod("second", Container("nginx", "nginx"));
        await ctx.Syncer(second).SyncAsync(second, CancellationToken.None);
        Assert.Equal(2, ctx.Images.Calls.Count);

        ctx.Runtime.InjectError("CreateContainer", new RpcException(new Status(StatusCode.Unknown, "image not found")));
        var third = Pod("third", Container("nginx", "nginx"));
        var syncer = ctx.Syncer(third);
        var status = await syncer.SyncAsync(third, CancellationToken.None);
        Assert.Equal("CreateContainerError", status.ContainerStatuses[0].State.Waiting.Reason);
        Assert.Equal(2, ctx.Images.Calls.Count);

        // The image is gone now: the next start asks, finds it missing and pulls it (which fails without a registry).
        ctx.Images.Present.Remove("nginx");
        status = await syncer.SyncAsync(third, CancellationToken.None);
        Assert.Equal(["ImageStatus nginx", "ImageStatus nginx", "ImageStatus nginx", "PullImage nginx"], ctx.Images.Calls);
        Assert.Equal("ErrImagePull", status.ContainerStatuses[0].State.Waiting.Reason);
    }
}
