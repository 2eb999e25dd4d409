using Skiff.Scheduler.Cache;

namespace Skiff.Scheduler.Tests;

/// <summary>The informers' changes to the scheduler cache: applied at once when no cycle holds the cache, left for
/// the next holder when one does, and applied in their order before that holder reads.</summary>
public sealed class CacheUpdatesTests
{
    [Fact]
    public void A_change_is_applied_at_once_when_the_cache_is_free()
    {
        var cache = new SchedulerCache();
        var updates = new CacheUpdates(cache);
        updates.Apply(c => c.AddOrUpdateNode(Fixtures.Node("n1")));
        Assert.Equal(0, updates.Pending);
        lock (cache.Lock)
        {
            Assert.Equal(["n1"], cache.Nodes.Select(n => n.Name));
        }
    }

    [Fact]
    public async Task Changes_made_while_a_cycle_holds_the_cache_wait_for_it_and_come_first_in_order()
    {
        var cache = new SchedulerCache();
        var updates = new CacheUpdates(cache);
        using var held = new ManualResetEventSlim();
        using var release = new ManualResetEventSlim();
        var cycle = Task.Run(() =>
        {
            lock (cache.Lock)
            {
                held.Set();
                release.Wait(TimeSpan.FromSeconds(30));
            }
        });
        held.Wait(TimeSpan.FromSeconds(30));

        // The handler's thread returns at once: nothing blocks on the cycle.
        updates.Apply(c => c.AddOrUpdateNode(Fixtures.Node("n1")));
        updates.Apply(c => c.AddOrUpdateNode(Fixtures.Node("n2")));
        updates.Apply(c => c.RemoveNode("n1"));
        Assert.Equal(3, updates.Pending);
        release.Set();
        await cycle;

        lock (cache.Lock)
        {
            Assert.Empty(cache.Nodes); // not read yet: a reader applies what is pending first
            updates.ApplyPending();
            Assert.Equal(["n2"], cache.Nodes.Select(n => n.Name));
        }

        Assert.Equal(0, updates.Pending);
    }

    [Fact]
    public async Task The_next_change_applies_what_was_left_before_itself()
    {
        var cache = new SchedulerCache();
        var updates = new CacheUpdates(cache);
        var order = new List<string>();
        var left = Task.Run(() =>
        {
            lock (cache.Lock)
            {
                updates.Apply(_ => order.Add("left")); // the same thread may enter: applied now
            }
        });
        await left;
        Assert.Equal(["left"], order);

        var other = new Thread(() => updates.Apply(_ => order.Add("deferred")));
        lock (cache.Lock)
        {
            other.Start();
            other.Join();
        }

        updates.Apply(_ => order.Add("next"));
        Assert.Equal(["left", "deferred", "next"], order);
    }

    [Fact]
    public void Reading_without_the_lock_is_refused()
    {
        var updates = new CacheUpdates(new SchedulerCache());
        Assert.Throws<InvalidOperationException>(updates.ApplyPending);
    }
}
