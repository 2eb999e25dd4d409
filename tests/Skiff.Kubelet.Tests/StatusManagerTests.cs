using k8s.Models;
using System.Net;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Client.Api;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Tests.Fakes;
using Skiff.Testing;

namespace Skiff.Kubelet.Tests;

public sealed class StatusManagerTests
{
    private readonly FakeApiClient api = new();

    private static V1PodStatus Status(string phase) => new() { Phase = phase, HostIP = "192.0.2.1" };

    [Fact]
    public async Task Writes_through_the_status_subresource_retrying_a_conflict_with_a_fresh_read()
    {
        var pod = KubeletTestContext.Pod("p");
        api.Seed(pod);
        api.FailNext("update", "pods/status", Conflict());
        var manager = new StatusManager(api, NullLogger<StatusManager>.Instance);
        using var cts = new CancellationTokenSource();
        var loop = manager.RunAsync(cts.Token);

        manager.SetPodStatus(pod, Status("Running"));
        await NodeAgentTests.WaitUntilAsync(() => api.Peek<V1Pod>("default", "p")?.Status?.Phase == "Running");

        Assert.Equal(2, api.Calls.Count(IsStatusWrite));
        Assert.Equal(2, api.Calls.Count(c => c.Verb == "get" && c.Resource == "pods"));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }

    [Fact]
    public async Task An_unchanged_status_is_not_written_again()
    {
        var pod = KubeletTestContext.Pod("p");
        api.Seed(pod);
        var manager = new StatusManager(api, NullLogger<StatusManager>.Instance);
        using var cts = new CancellationTokenSource();
        var loop = manager.RunAsync(cts.Token);

        manager.SetPodStatus(pod, Status("Running"));
        await NodeAgentTests.WaitUntilAsync(() => manager.LastWritten(pod.Metadata.Uid) is not null);
        manager.SetPodStatus(pod, Status("Running"));
        manager.SetPodStatus(pod, Status("Succeeded"));
        await NodeAgentTests.WaitUntilAsync(() => api.Peek<V1Pod>("default", "p")?.Status?.Phase == "Succeeded");

        Assert.Equal(2, api.Calls.Count(IsStatusWrite));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }

    [Fact]
    public async Task A_namesake_pod_with_another_uid_is_left_alone()
    {
        var pod = KubeletTestContext.Pod("p");
        var namesake = KubeletTestContext.Pod("p");
        namesake.Metadata.Uid = "someone-else";
        api.Seed(namesake);
        var manager = new StatusManager(api, NullLogger<StatusManager>.Instance);
        using var cts = new CancellationTokenSource();
        var loop = manager.RunAsync(cts.Token);

        manager.SetPodStatus(pod, Status("Running"));
        await NodeAgentTests.WaitUntilAsync(() => api.Calls.Any(c => c.Verb == "get" && c.Resource == "pods"));
        await Task.Delay(50);

        Assert.DoesNotContain(api.Calls, IsStatusWrite);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }

    internal static bool IsStatusWrite(ApiCall call) => call is { Verb: "update", Resource: "pods", Subresource: "status" };

    internal static ApiException Conflict() => new(
        HttpStatusCode.Conflict,
        new V1Status { Code = 409, Reason = "Conflict", Message = "the object has been modified" },
        "the object has been modified");
}
