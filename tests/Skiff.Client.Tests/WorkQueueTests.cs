using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Queue;

namespace Skiff.Client.Tests;

public sealed class WorkQueueTests
{
    private readonly FakeTimeProvider _time = new();

    [Fact]
    public async Task An_item_added_several_times_before_it_is_taken_is_processed_once()
    {
        using var queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_time), _time);
        queue.Add("a");
        queue.Add("b");
        queue.Add("a");
        Assert.Equal(2, queue.Count);
        var (first, _) = await queue.GetAsync(default);
        var (second, _) = await queue.GetAsync(default);
        Assert.Equal(["a", "b"], [first, second]);
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task An_item_added_while_processing_waits_for_Done_so_two_workers_never_hold_it()
    {
        using var queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_time), _time);
        queue.Add("a");
        var (item, _) = await queue.GetAsync(default);
        queue.Add("a");
        Assert.Equal(0, queue.Count); // not handed to another worker while the first holds it
        var next = queue.GetAsync(default);
        await Task.Delay(50);
        Assert.False(next.IsCompleted);
        queue.Done(item);
        Assert.Equal("a", (await next.WaitAsync(TimeSpan.FromSeconds(5))).Item);
    }

    [Fact]
    public async Task Workers_process_distinct_keys_in_parallel_and_one_key_serially()
    {
        using var queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(TimeProvider.System), TimeProvider.System);
        var inFlight = new Dictionary<string, int>();
        var maxPerKey = 0;
        var maxOverall = 0;
        var processed = 0;
        using var stop = new CancellationTokenSource();
        var run = QueueWorkers.RunAsync(queue, 4, async (key, ct) =>
        {
            lock (inFlight)
            {
                inFlight[key] = inFlight.GetValueOrDefault(key) + 1;
                maxPerKey = Math.Max(maxPerKey, inFlight[key]);
                maxOverall = Math.Max(maxOverall, inFlight.Values.Sum());
            }

            await Task.Delay(5, ct);
            lock (inFlight)
            {
                inFlight[key]--;
                processed++;
            }
        }, NullLogger.Instance, stop.Token);
        for (var i = 0; i < 200; i++)
        {
            queue.Add($"k{i % 8}");
            if (i % 10 == 0)
            {
                await Task.Delay(2);
            }
        }

        await Eventually.TrueAsync(() => queue.Count == 0 && inFlight.Values.Sum() == 0 && processed > 0, "the queue to drain");
        await stop.CancelAsync();
        await run;
        Assert.Equal(1, maxPerKey);
        Assert.True(maxOverall > 1, "distinct keys should be worked on in parallel");
    }

    [Fact]
    public void Per_item_backoff_doubles_from_5ms_and_Forget_starts_it_over()
    {
        var limiter = new ExponentialFailureRateLimiter<string>(TimeSpan.FromMilliseconds(5), TimeSpan.FromSeconds(1000));
        Assert.Equal([5, 10, 20, 40], Enumerable.Range(0, 4).Select(_ => limiter.When("a").TotalMilliseconds).ToArray());
        Assert.Equal(5, limiter.When("b").TotalMilliseconds);
        Assert.Equal(4, limiter.NumRequeues("a"));
        limiter.Forget("a");
        Assert.Equal(5, limiter.When("a").TotalMilliseconds);
        for (var i = 0; i < 40; i++)
        {
            limiter.When("c");
        }

        Assert.Equal(TimeSpan.FromSeconds(1000), limiter.When("c"));
    }

    [Fact]
    public void The_overall_bucket_allows_a_burst_then_paces()
    {
        var bucket = new BucketRateLimiter<string>(10, 100, _time);
        for (var i = 0; i < 100; i++)
        {
            Assert.Equal(TimeSpan.Zero, bucket.When($"k{i}"));
        }

        Assert.Equal(TimeSpan.FromMilliseconds(100), bucket.When("late"));
        Assert.Equal(TimeSpan.FromMilliseconds(200), bucket.When("later"));
        _time.Advance(TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.Zero, bucket.When("refilled"));
    }

    [Fact]
    public async Task Delayed_adds_arrive_when_due_and_the_earliest_of_two_wins()
    {
        using var queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_time), _time);
        queue.AddAfter("a", TimeSpan.FromSeconds(10));
        queue.AddAfter("a", TimeSpan.FromSeconds(3));
        queue.AddAfter("b", TimeSpan.FromSeconds(5));
        _time.Advance(TimeSpan.FromSeconds(2));
        await Task.Delay(20);
        Assert.Equal(0, queue.Count);
        _time.Advance(TimeSpan.FromSeconds(1));
        await Eventually.TrueAsync(() => queue.Count == 1, "a at 3 s");
        _time.Advance(TimeSpan.FromSeconds(2));
        await Eventually.TrueAsync(() => queue.Count == 2, "b at 5 s");
        _time.Advance(TimeSpan.FromSeconds(10));
        await Task.Delay(20);
        Assert.Equal(2, queue.Count); // the later add of a was replaced, not repeated
    }

    [Fact]
    public async Task A_delayed_add_waits_for_its_due_time_when_the_timer_fires_early()
    {
        // Timers count whole milliseconds on a clock of their own: here every one fires a millisecond early.
        var time = new EarlyTimers(_time, TimeSpan.FromMilliseconds(1));
        using var queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(time), time);
        queue.AddAfter("a", TimeSpan.FromMilliseconds(10));

        _time.Advance(TimeSpan.FromMilliseconds(9));
        await Task.Delay(20);
        Assert.Equal(0, queue.Count);

        _time.Advance(TimeSpan.FromMilliseconds(1));
        await Eventually.TrueAsync(() => queue.Count == 1, "a at 10 ms");
    }

    private sealed class EarlyTimers(FakeTimeProvider clock, TimeSpan early) : TimeProvider
    {
        public override DateTimeOffset GetUtcNow() => clock.GetUtcNow();

        public override ITimer CreateTimer(TimerCallback callback, object? state, TimeSpan dueTime, TimeSpan period) =>
            clock.CreateTimer(callback, state, dueTime > early ? dueTime - early : dueTime, period);
    }

    [Fact]
    public async Task A_failing_sync_is_retried_with_backoff_and_forgotten_after_success()
    {
        using var queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(TimeProvider.System), TimeProvider.System, "test");
        var attempts = 0;
        using var stop = new CancellationTokenSource();
        var run = QueueWorkers.RunAsync(queue, 1, (_, _) =>
        {
            if (++attempts < 4)
            {
                throw new InvalidOperationException("not yet");
            }

            return Task.CompletedTask;
        }, NullLogger.Instance, stop.Token);
        queue.Add("a");
        await Eventually.TrueAsync(() => attempts == 4, "four attempts");
        await Eventually.TrueAsync(() => queue.NumRequeues("a") == 0, "the failures to be forgotten");
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Shutdown_releases_waiting_workers()
    {
        using var queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_time), _time);
        var waiting = queue.GetAsync(default);
        queue.ShutDown();
        Assert.False((await waiting.WaitAsync(TimeSpan.FromSeconds(5))).Ok);
        queue.Add("ignored");
        Assert.Equal(0, queue.Count);
    }

    [Fact]
    public async Task Each_item_goes_to_one_waiting_worker_and_none_is_left_behind()
    {
        using var queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_time), _time);
        var getters = Enumerable.Range(0, 5).Select(_ => queue.GetAsync(default)).ToList();

        queue.Add("a");
        var first = await await Task.WhenAny(getters).WaitAsync(TimeSpan.FromSeconds(5));
        await Task.Delay(50);
        Assert.Equal(("a", true), first);
        Assert.Equal(1, getters.Count(g => g.IsCompleted));

        foreach (var key in new[] { "b", "c", "d", "e" })
        {
            queue.Add(key);
        }

        var taken = await Task.WhenAll(getters).WaitAsync(TimeSpan.FromSeconds(5));
        Assert.Equal(["a", "b", "c", "d", "e"], taken.Select(t => t.Item).Order());
    }

    [Fact]
    public async Task A_worker_that_stopped_waiting_takes_no_item_from_the_others()
    {
        using var queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_time), _time);
        var staying = queue.GetAsync(default);
        using var stop = new CancellationTokenSource();
        var leaving = queue.GetAsync(stop.Token); // waits last, so it would be woken first
        await stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => leaving);

        queue.Add("a");

        Assert.Equal(("a", true), await staying.WaitAsync(TimeSpan.FromSeconds(5)));
    }
}
