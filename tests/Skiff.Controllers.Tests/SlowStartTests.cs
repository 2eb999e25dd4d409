using Skiff.Controllers.Common;

namespace Skiff.Controllers.Tests;

/// <summary>Upstream's slow start: batches of 1, 2, 4, ..., stopping after the first batch with a failure, every call
/// of a batch made; with at most the given number of calls in flight at once.</summary>
public sealed class SlowStartTests
{
    [Fact]
    public async Task Calls_go_in_doubling_batches_until_all_are_made()
    {
        var calls = 0;

        var (succeeded, error) = await SlowStart.RunAsync(100, _ => { Interlocked.Increment(ref calls); return Task.CompletedTask; }, default);

        Assert.Equal((100, 100), (succeeded, calls));
        Assert.Null(error);
    }

    [Fact]
    public async Task A_failed_call_ends_the_run_after_its_batch()
    {
        // Batch 1 is call 1; batch 2 is calls 2 and 3, of which call 2 fails: call 3 is still made, nothing after it.
        var calls = 0;

        var (succeeded, error) = await SlowStart.RunAsync(100, 1, _ =>
            Interlocked.Increment(ref calls) == 2 ? Task.FromException(new InvalidOperationException("quota exceeded")) : Task.CompletedTask, default);

        Assert.Equal((2, 3), (succeeded, calls));
        Assert.Equal("quota exceeded", Assert.IsType<InvalidOperationException>(error).Message);
    }

    [Theory]
    [InlineData(4)]
    [InlineData(SlowStart.MaxInFlight)]
    public async Task No_more_calls_than_allowed_are_in_flight_at_once(int maxInFlight)
    {
        var gauge = new InFlightGauge();
        var calls = 0;
        async Task CallAsync(CancellationToken ct)
        {
            gauge.Enter();
            Interlocked.Increment(ref calls);
            await Task.Delay(5, ct);
            gauge.Exit();
        }

        // 255 calls: batches of 1, 2, 4, ..., 128, the larger ones well above the limit.
        var (succeeded, error) = maxInFlight == SlowStart.MaxInFlight
            ? await SlowStart.RunAsync(255, CallAsync, default)
            : await SlowStart.RunAsync(255, maxInFlight, CallAsync, default);

        Assert.Equal((255, 255), (succeeded, calls));
        Assert.Null(error);
        Assert.Equal(maxInFlight, gauge.Most);
    }

    [Fact]
    public async Task At_least_one_call_must_be_allowed_in_flight()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => SlowStart.RunAsync(3, 0, _ => Task.CompletedTask, default));
    }
}
