using Skiff.Controllers.GarbageCollection;

namespace Skiff.Controllers.Tests;

public sealed class AbsentOwnerCacheTests
{
    [Fact]
    public void The_least_recently_used_owner_is_dropped_past_the_capacity()
    {
        var cache = new AbsentOwnerCache(capacity: 2);
        cache.Add("default", "a");
        cache.Add("default", "b");
        Assert.True(cache.Contains("default", "a")); // a is now the most recent

        cache.Add("default", "c");

        Assert.True(cache.Contains("default", "a"));
        Assert.False(cache.Contains("default", "b"));
        Assert.True(cache.Contains("default", "c"));
    }

    [Fact]
    public void An_owner_is_absent_only_in_the_namespace_it_was_looked_up_in()
    {
        var cache = new AbsentOwnerCache(AbsentOwnerCache.DefaultCapacity);
        cache.Add("team-a", "uid-1");

        Assert.True(cache.Contains("team-a", "uid-1"));
        Assert.False(cache.Contains("team-b", "uid-1"));
        Assert.False(cache.Contains(null, "uid-1"));
    }
}
