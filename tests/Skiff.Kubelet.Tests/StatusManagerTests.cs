using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Tests.Fakes;

namespace Skiff.Kubelet.Tests;

public sealed class StatusManagerTests
{
    private readonly FakeKubeletApi api = new();

    private static V1PodStatus Status(string phase) => new() { Phase = phase, HostIP = "192.0.2.1" };

    [Fact]
    public async Task Writes_through_the_status_subresource_retrying_a_conflict_with_a_fresh_read()
    {
        var pod = KubeletTestContext.Pod("p");
        api.AddPod(pod);
        api.PodStatusConflicts = 1;
        var manager = new StatusManager(api, NullLogger<StatusManager>.Instance);
        using var cts = new CancellationTokenSource();
        var loop = manager.RunAsync(cts.Token);

        manager.SetPodStatus(pod, Status("Running"));
        await NodeAgentTests.WaitUntilAsync(() => api.Pods["default/p"].Status?.Phase == "Running");

        Assert.Equal(2, api.Calls.Count(c => c == "ReplacePodStatus"));
        Assert.Equal(2, api.Calls.Count(c => c == "GetPod"));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }

    [Fact]
    public async Task An_unchanged_status_is_not_written_again()
    {
        var pod = KubeletTestContext.Pod("p");
        api.AddPod(pod);
        var manager = new StatusManager(api, NullLogger<StatusManager>.Instance);
        using var cts = new CancellationTokenSource();
        var loop = manager.RunAsync(cts.Token);

        manager.SetPodStatus(pod, Status("Running"));
        await NodeAgentTests.WaitUntilAsync(() => manager.LastWritten(pod.Metadata.Uid) is not null);
        manager.SetPodStatus(pod, Status("Running"));
        manager.SetPodStatus(pod, Status("Succeeded"));
        await NodeAgentTests.WaitUntilAsync(() => api.Pods["default/p"].Status?.Phase == "Succeeded");

        Assert.Equal(2, api.Calls.Count(c => c == "ReplacePodStatus"));
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }

    [Fact]
    public async Task A_namesake_pod_with_another_uid_is_left_alone()
    {
        var pod = KubeletTestContext.Pod("p");
        var namesake = KubeletTestContext.Pod("p");
        namesake.Metadata.Uid = "someone-else";
        api.AddPod(namesake);
        var manager = new StatusManager(api, NullLogger<StatusManager>.Instance);
        using var cts = new CancellationTokenSource();
        var loop = manager.RunAsync(cts.Token);

        manager.SetPodStatus(pod, Status("Running"));
        await NodeAgentTests.WaitUntilAsync(() => api.Calls.Contains("GetPod"));
        await Task.Delay(50);

        Assert.DoesNotContain("ReplacePodStatus", api.Calls);
        await cts.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loop);
    }
}
