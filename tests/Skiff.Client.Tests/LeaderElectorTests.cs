using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Leases;
using Skiff.Testing;

namespace Skiff.Client.Tests;

/// <summary>Leader election with a fake clock: one leader at a time, handover on release, and a leader that cannot
/// renew stops acting before another candidate starts.</summary>
public sealed class LeaderElectorTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-05T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
    private readonly FakeApiClient _api;

    public LeaderElectorTests() => _api = new FakeApiClient(_time);

    private LeaderElector Candidate(string identity, PartitionedApi api) =>
        new(new LeaderElectionConfig { Namespace = "kube-system", Name = "kube-scheduler", Identity = identity }, api, _time, NullLogger.Instance);

    /// <summary>Moves the fake clock in small steps, letting the candidates' loops run between them.</summary>
    private async Task AdvanceAsync(TimeSpan total)
    {
        for (var done = TimeSpan.Zero; done < total; done += TimeSpan.FromMilliseconds(250))
        {
            _time.Advance(TimeSpan.FromMilliseconds(250));
            await Task.Delay(2);
        }
    }

    private sealed class Activity(FakeTimeProvider time)
    {
        public List<(string Who, string What, DateTimeOffset At)> Log { get; } = [];

        public Func<CancellationToken, Task> Lead(string who) => async ct =>
        {
            lock (Log)
            {
                Log.Add((who, "start", time.GetUtcNow()));
            }

            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                lock (Log)
                {
                    Log.Add((who, "stop", time.GetUtcNow()));
                }
            }
        };
    }

    [Fact]
    public async Task One_candidate_leads_the_other_waits_and_takes_over_when_the_leader_releases()
    {
        var activity = new Activity(_time);
        var a = Candidate("a", new PartitionedApi(_api));
        var b = Candidate("b", new PartitionedApi(_api));
        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var runA = a.RunAsync(activity.Lead("a"), stopA.Token);
        await Eventually.TrueAsync(() => a.IsLeader, "a to lead");
        var runB = b.RunAsync(activity.Lead("b"), stopB.Token);
        await AdvanceAsync(TimeSpan.FromSeconds(30));
        Assert.True(a.IsLeader);
        Assert.False(b.IsLeader);
        Assert.Equal("a", b.CurrentLeader);

        var lease = _api.Peek<V1Lease>("kube-system", "kube-scheduler")!;
        Assert.Equal("a", lease.Spec.HolderIdentity);
        Assert.Equal(15, lease.Spec.LeaseDurationSeconds);
        Assert.Equal(0, lease.Spec.LeaseTransitions);

        await stopA.CancelAsync(); // a shuts down cleanly and gives the lease up
        await runA;
        await AdvanceAsync(TimeSpan.FromSeconds(3));
        await Eventually.TrueAsync(() => b.IsLeader, "b to lead");
        Assert.Equal(1, _api.Peek<V1Lease>("kube-system", "kube-scheduler")!.Spec.LeaseTransitions);
        await stopB.CancelAsync();
        await runB;
        Assert.Equal(["a start", "a stop", "b start", "b stop"], activity.Log.Select(l => $"{l.Who} {l.What}"));
    }

    [Fact]
    public async Task A_leader_that_cannot_renew_stops_acting_before_another_starts()
    {
        var activity = new Activity(_time);
        var viewA = new PartitionedApi(_api);
        var a = Candidate("a", viewA);
        var b = Candidate("b", new PartitionedApi(_api));
        using var stop = new CancellationTokenSource();
        var runA = a.RunAsync(activity.Lead("a"), stop.Token);
        await Eventually.TrueAsync(() => a.IsLeader, "a to lead");
        var runB = b.RunAsync(activity.Lead("b"), stop.Token);
        await AdvanceAsync(TimeSpan.FromSeconds(10));

        viewA.Partitioned = true; // a can no longer reach the API; b can
        await AdvanceAsync(TimeSpan.FromSeconds(40));
        await Eventually.TrueAsync(() => b.IsLeader, "b to take over");
        Assert.False(a.IsLeader);

        var aStop = activity.Log.Single(l => l is { Who: "a", What: "stop" }).At;
        var bStart = activity.Log.Single(l => l is { Who: "b", What: "start" }).At;
        Assert.True(aStop < bStart, $"a stopped at {aStop:T}, b started at {bStart:T}");
        Assert.True(bStart - aStop >= TimeSpan.FromSeconds(4), "the lease duration outlasts the renew deadline");
        Assert.Equal(1, _api.Peek<V1Lease>("kube-system", "kube-scheduler")!.Spec.LeaseTransitions);
        await stop.CancelAsync();
        await Task.WhenAll(runA, runB);
    }
}
