using Microsoft.Extensions.Time.Testing;
using Skiff.Scheduler.Queue;
using static Skiff.Scheduler.Tests.Fixtures;

namespace Skiff.Scheduler.Tests;

/// <summary>The scheduling queue on a fake clock: priority order, back-off, and moves on cluster events.</summary>
public sealed class SchedulingQueueTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-01-01T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    [Fact]
    public async Task Pops_highest_priority_first_then_oldest()
    {
        using var queue = new SchedulingQueue(_time);
        queue.AddOrUpdate(Pod("low", priority: 0));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        queue.AddOrUpdate(Pod("high", priority: 100));
        _time.Advance(TimeSpan.FromMilliseconds(1));
        queue.AddOrUpdate(Pod("low2", priority: 0));

        var order = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            var (pod, _) = await queue.PopAsync(CancellationToken.None);
            order.Add(pod.Pod.Metadata.Name);
        }

        Assert.Equal(["high", "low", "low2"], order);
    }

    [Fact]
    public async Task Unschedulable_pods_wait_for_an_event_then_their_backoff()
    {
        using var queue = new SchedulingQueue(_time);
        queue.AddOrUpdate(Pod("p"));
        var (pod, cycle) = await queue.PopAsync(CancellationToken.None);
        queue.AddUnschedulable(pod, cycle);
        Assert.Equal((0, 0, 1), queue.Counts);

        // A node event within the 1 s back-off of the first attempt: back-off first.
        queue.MoveAllToActiveOrBackoff();
        Assert.Equal((0, 1, 0), queue.Counts);
        _time.Advance(TimeSpan.FromMilliseconds(999));
        queue.FlushBackoffCompleted();
        Assert.Equal((0, 1, 0), queue.Counts);
        _time.Advance(TimeSpan.FromMilliseconds(1));
        queue.FlushBackoffCompleted();
        Assert.Equal((1, 0, 0), queue.Counts);
    }

    [Fact]
    public async Task A_failure_during_an_event_goes_to_backoff_not_unschedulable()
    {
        using var queue = new SchedulingQueue(_time);
        queue.AddOrUpdate(Pod("p"));
        var (pod, cycle) = await queue.PopAsync(CancellationToken.None);
        queue.MoveAllToActiveOrBackoff(); // e.g. a node was added while the pod was being scheduled
        queue.AddUnschedulable(pod, cycle);
        Assert.Equal((0, 1, 0), queue.Counts);
    }

    [Fact]
    public void Backoff_doubles_from_one_to_ten_seconds()
    {
        Assert.Equal(TimeSpan.FromSeconds(1), SchedulingQueue.BackoffFor(1));
        Assert.Equal(TimeSpan.FromSeconds(2), SchedulingQueue.BackoffFor(2));
        Assert.Equal(TimeSpan.FromSeconds(8), SchedulingQueue.BackoffFor(4));
        Assert.Equal(TimeSpan.FromSeconds(10), SchedulingQueue.BackoffFor(5));
        Assert.Equal(TimeSpan.FromSeconds(10), SchedulingQueue.BackoffFor(50));
    }

    [Fact]
    public async Task Unschedulable_pods_are_retried_after_five_minutes_without_events()
    {
        using var queue = new SchedulingQueue(_time);
        queue.AddOrUpdate(Pod("p"));
        var (pod, cycle) = await queue.PopAsync(CancellationToken.None);
        queue.AddUnschedulable(pod, cycle);
        _time.Advance(TimeSpan.FromMinutes(4));
        queue.FlushUnschedulableLeftover();
        Assert.Equal((0, 0, 1), queue.Counts);
        _time.Advance(TimeSpan.FromMinutes(1) + TimeSpan.FromSeconds(1));
        queue.FlushUnschedulableLeftover();
        Assert.Equal((1, 0, 0), queue.Counts);
    }

    [Fact]
    public async Task Deleted_pods_are_not_popped()
    {
        using var queue = new SchedulingQueue(_time);
        queue.AddOrUpdate(Pod("gone"));
        queue.AddOrUpdate(Pod("kept"));
        queue.Delete("default/gone");
        var (pod, _) = await queue.PopAsync(CancellationToken.None);
        Assert.Equal("kept", pod.Pod.Metadata.Name);
    }

    [Fact]
    public async Task A_status_only_update_leaves_an_unschedulable_pod_waiting()
    {
        using var queue = new SchedulingQueue(_time);
        var pod = Pod("p");
        pod.Metadata.Generation = 1;
        queue.AddOrUpdate(pod);
        var (queued, cycle) = await queue.PopAsync(CancellationToken.None);
        queue.AddUnschedulable(queued, cycle);

        var statusOnly = Pod("p");
        statusOnly.Metadata.Generation = 1;
        statusOnly.Status = new k8s.Models.V1PodStatus { Phase = "Pending" };
        queue.AddOrUpdate(statusOnly);
        Assert.Equal((0, 0, 1), queue.Counts);

        var relabelled = Pod("p", labels: Labels("app=web"));
        relabelled.Metadata.Generation = 1;
        queue.AddOrUpdate(relabelled);
        Assert.Equal((0, 1, 0), queue.Counts);
    }
}
