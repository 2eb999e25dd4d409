using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Client;
using Skiff.Testing;
using static Skiff.Scheduler.Tests.Fixtures;

namespace Skiff.Scheduler.Tests;

/// <summary>The scheduler end to end on the in-memory API: informers, queue, cache, binding, events, status.</summary>
public sealed class SchedulerTests : IAsyncLifetime
{
    private readonly FakeApiClient _api = new();
    private readonly CancellationTokenSource _stop = new();
    private ComponentContext _context = null!;
    private Task _running = Task.CompletedTask;

    public Task InitializeAsync()
    {
        _context = ComponentContext.Create(_api, TimeProvider.System, NullLoggerFactory.Instance);
        return Task.CompletedTask;
    }

    private void Start()
    {
        _context.Informers.Start(_stop.Token);
        _running = SchedulerHost.RunAsync(new SchedulerOptions { LeaderElect = false }, _context, _stop.Token);
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        try
        {
            await _running;
        }
        catch (OperationCanceledException)
        {
        }

        await _context.DisposeAsync();
        _stop.Dispose();
    }

    private async Task<V1Pod> WaitForAsync(string name, Func<V1Pod, bool> condition)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var pod = _api.Peek<V1Pod>("default", name);
            if (pod is not null && condition(pod))
            {
                return pod;
            }

            if (_running.IsCompleted)
            {
                await _running; // surfaces the scheduler's failure
                throw new InvalidOperationException("the scheduler stopped");
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"pod {name} never reached the expected state; calls: {string.Join("; ", _api.Calls)}");
    }

    private async Task<Corev1Event> WaitForEventAsync(string reason)
    {
        var deadline = DateTime.UtcNow + TimeSpan.FromSeconds(20);
        while (DateTime.UtcNow < deadline)
        {
            var found = _api.All<Corev1Event>().FirstOrDefault(e => e.Reason == reason);
            if (found is not null)
            {
                return found;
            }

            await Task.Delay(20);
        }

        throw new TimeoutException($"no {reason} event");
    }

    [Fact]
    public async Task Binds_pending_pods_spreading_them_and_records_the_event()
    {
        _api.Seed(Node("n1"));
        _api.Seed(Node("n2"));
        _api.Seed(Pod("web", cpu: "1"));
        Start();

        var web = await WaitForAsync("web", p => !string.IsNullOrEmpty(p.Spec.NodeName));
        var scheduled = await WaitForEventAsync("Scheduled");
        Assert.Equal($"Successfully assigned default/web to {web.Spec.NodeName}", scheduled.Message);
        Assert.Equal("default-scheduler", scheduled.Source?.Component ?? scheduled.ReportingComponent);

        // The next pods see the first (assumed or bound) and fill the other node: 3 cpu each on 4-cpu nodes.
        _api.Seed(Pod("a", cpu: "3"));
        _api.Seed(Pod("b", cpu: "3"));
        var a = await WaitForAsync("a", p => !string.IsNullOrEmpty(p.Spec.NodeName));
        var b = await WaitForAsync("b", p => !string.IsNullOrEmpty(p.Spec.NodeName));
        Assert.NotEqual(a.Spec.NodeName, b.Spec.NodeName);
    }

    [Fact]
    public async Task Unschedulable_pod_gets_failed_scheduling_and_the_condition_then_fits_when_a_node_comes()
    {
        _api.Seed(Node("n1", unschedulable: true));
        _api.Seed(Node("n2", cpu: "1"));
        _api.Seed(Node("n3", cpu: "1"));
        _api.Seed(Pod("big", cpu: "2"));
        Start();

        var pod = await WaitForAsync("big", p => p.Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Reason == "Unschedulable") == true);
        const string expected = "0/3 nodes are available: 1 node(s) were unschedulable, 2 Insufficient cpu. preemption: 0/3 nodes are available: 1 Preemption is not helpful for scheduling, 2 No preemption victims found for incoming pod.";
        Assert.Equal(expected, pod.Status.Conditions.Single(c => c.Type == "PodScheduled").Message);
        Assert.Equal(expected, (await WaitForEventAsync("FailedScheduling")).Message);

        _api.Seed(Node("n4", cpu: "4"));
        var bound = await WaitForAsync("big", p => !string.IsNullOrEmpty(p.Spec.NodeName));
        Assert.Equal("n4", bound.Spec.NodeName);
    }

    [Fact]
    public async Task Pods_of_another_scheduler_are_left_alone()
    {
        _api.Seed(Node("n1"));
        var other = Pod("other");
        other.Spec.SchedulerName = "my-scheduler";
        _api.Seed(other);
        _api.Seed(Pod("mine"));
        Start();

        await WaitForAsync("mine", p => !string.IsNullOrEmpty(p.Spec.NodeName));
        await Task.Delay(300);
        Assert.Null(_api.Peek<V1Pod>("default", "other")!.Spec.NodeName);
    }

    [Fact]
    public async Task Higher_priority_pod_preempts_a_lower_one_and_is_nominated()
    {
        _api.Seed(Node("n1", cpu: "2"));
        _api.Seed(Pod("low", cpu: "2", nodeName: "n1", priority: 0));
        _api.Seed(Pod("high", cpu: "2", priority: 1000));
        Start();

        var high = await WaitForAsync("high", p => p.Status?.NominatedNodeName == "n1");
        Assert.Null(high.Spec.NodeName);
        Assert.NotNull(_api.Peek<V1Pod>("default", "low")!.Metadata.DeletionTimestamp);

        // The victim's kubelet finishes the deletion; the nominated pod then takes the node.
        await _api.DeleteAsync<V1Pod>("default", "low", new V1DeleteOptions { GracePeriodSeconds = 0 }, CancellationToken.None);
        await WaitForAsync("high", p => p.Spec.NodeName == "n1");
    }

    [Fact]
    public async Task A_pod_whose_class_says_never_preempt_waits_and_evicts_nobody()
    {
        _api.Seed(Node("n1", cpu: "2"));
        _api.Seed(Pod("low", cpu: "2", nodeName: "n1", priority: 0));
        var polite = Pod("polite", cpu: "2", priority: 1000);
        polite.Spec.PreemptionPolicy = "Never";
        _api.Seed(polite);
        Start();

        var waiting = await WaitForAsync("polite", p => p.Status?.Conditions?.Any(c => c.Type == "PodScheduled" && c.Status == "False") == true);
        Assert.Equal(
            "0/1 nodes are available: 1 Insufficient cpu. preemption: not eligible due to preemptionPolicy=Never.",
            waiting.Status.Conditions.Single(c => c.Type == "PodScheduled").Message);
        Assert.Null(waiting.Status.NominatedNodeName);
        Assert.Null(_api.Peek<V1Pod>("default", "low")!.Metadata.DeletionTimestamp);
    }
}
