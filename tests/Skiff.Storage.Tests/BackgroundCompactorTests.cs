using Microsoft.Extensions.Time.Testing;
using Skiff.Storage.Compaction;
using Skiff.Storage.Memory;

namespace Skiff.Storage.Tests;

/// <summary>The compaction policy: history older than one interval goes, but the last N revisions always stay.</summary>
public sealed class BackgroundCompactorTests
{
    [Theory]
    [InlineData(50_000, 45_000, 40_000)] // busy: keep the last 10,000 revisions
    [InlineData(50_000, 30_000, 30_000)] // quiet: keep everything newer than one interval ago
    [InlineData(5_000, 1_000, -5_000)]   // young store: nothing to compact
    public void Target_keeps_both_the_retained_revisions_and_one_interval(long current, long oneIntervalAgo, long expected)
    {
        Assert.Equal(expected, CompactionOptions.Default.Target(current, oneIntervalAgo));
    }

    [Fact]
    public async Task Each_tick_compacts_to_the_revision_of_the_previous_tick_within_the_retained_window()
    {
        var time = new FakeTimeProvider();
        var options = new CompactionOptions { Interval = TimeSpan.FromMinutes(5), RetainedRevisions = 3 };
        await using var store = new MemoryStore();
        await using var compactor = new BackgroundCompactor(store, options, time);

        await WriteAsync(store, 10);
        time.Advance(options.Interval);
        await WaitForTicksAsync(compactor, 1);
        Assert.Equal(0, await store.GetCompactedRevisionAsync(CancellationToken.None)); // first tick: age of history unknown

        await WriteAsync(store, 5);
        time.Advance(options.Interval);
        await WaitForTicksAsync(compactor, 2);
        Assert.Equal(10, await store.GetCompactedRevisionAsync(CancellationToken.None)); // what was current one tick ago

        await WriteAsync(store, 1);
        time.Advance(options.Interval);
        await WaitForTicksAsync(compactor, 3);
        Assert.Equal(13, await store.GetCompactedRevisionAsync(CancellationToken.None)); // 16 - 3 retained < 15
    }

    private static async Task WriteAsync(IStore store, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await store.CreateAsync($"/k/{Guid.NewGuid()}", new byte[] { 1 }, CancellationToken.None);
        }
    }

    private static async Task WaitForTicksAsync(BackgroundCompactor compactor, long ticks)
    {
        // The tick runs on the thread pool after Advance; wait for it (bounded so a broken compactor fails, not hangs).
        for (var i = 0; i < 2000 && compactor.CompletedTicks < ticks; i++)
        {
            await Task.Delay(5);
        }

        Assert.Equal(ticks, compactor.CompletedTicks);
    }
}
