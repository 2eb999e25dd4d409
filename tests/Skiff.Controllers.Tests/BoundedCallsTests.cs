using Skiff.Controllers.Common;

namespace Skiff.Controllers.Tests;

/// <summary>A controller's deletions: one call per item, every item called once, answers in the items' order, never more
/// than the limit in flight.</summary>
public sealed class BoundedCallsTests
{
    [Fact]
    public async Task Every_item_is_called_once_and_answers_keep_the_items_order()
    {
        var items = Enumerable.Range(0, 200).ToList();
        var calls = new int[items.Count];

        // Later items answer sooner, so completion order is not the items' order.
        var results = await BoundedCalls.RunAsync(items, 8, async (i, ct) =>
        {
            Interlocked.Increment(ref calls[i]);
            await Task.Delay(i % 3, ct);
            return $"pod-{i}";
        }, default);

        Assert.Equal(items.Select(i => $"pod-{i}"), results);
        Assert.All(calls, c => Assert.Equal(1, c));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(SlowStart.MaxInFlight)]
    public async Task No_more_calls_than_allowed_are_in_flight_at_once(int maxInFlight)
    {
        var gauge = new InFlightGauge();

        // 500 deletions: a ReplicaSet's largest burst.
        var results = await BoundedCalls.RunAsync(Enumerable.Range(0, 500).ToList(), maxInFlight, async (i, ct) =>
        {
            gauge.Enter();
            await Task.Delay(2, ct);
            gauge.Exit();
            return i;
        }, default);

        Assert.Equal(500, results.Length);
        Assert.Equal(maxInFlight, gauge.Most);
    }

    [Fact]
    public async Task No_items_make_no_calls()
    {
        var results = await BoundedCalls.RunAsync<int, int>([], 4, (_, _) => throw new InvalidOperationException("called"), default);

        Assert.Empty(results);
    }

    [Fact]
    public async Task At_least_one_call_must_be_allowed_in_flight()
    {
        await Assert.ThrowsAsync<ArgumentOutOfRangeException>(() => BoundedCalls.RunAsync<int, int>([1], 0, (i, _) => Task.FromResult(i), default));
    }
}
