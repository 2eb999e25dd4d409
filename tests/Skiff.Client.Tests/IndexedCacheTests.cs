using k8s.Models;
using Skiff.Client.Cache;

namespace Skiff.Client.Tests;

/// <summary>The cache's secondary indexes through every shape of an index value's bucket: one key, many keys, back
/// to one and to none, an object re-indexed under a new value, an index added over objects already held.</summary>
public sealed class IndexedCacheTests
{
    private const string ByNode = "spec.nodeName";

    [Fact]
    public void An_index_value_goes_from_one_key_to_many_and_back_to_none()
    {
        var cache = NewCache();
        cache.Upsert(OnNode("a", "n1"));
        Assert.Equal(["a"], Names(cache.ByIndex(ByNode, "n1")));

        cache.Upsert(OnNode("b", "n1"));
        cache.Upsert(OnNode("c", "n1"));
        Assert.Equal(["a", "b", "c"], Names(cache.ByIndex(ByNode, "n1")));

        cache.Remove("default/b");
        cache.Remove("default/a");
        Assert.Equal(["c"], Names(cache.ByIndex(ByNode, "n1")));

        cache.Remove("default/c");
        Assert.Empty(cache.ByIndex(ByNode, "n1"));
        Assert.Empty(cache.ByIndex(ByNode, "never-used"));
    }

    [Fact]
    public void An_update_moves_the_object_to_its_new_value_and_an_unchanged_value_keeps_it_once()
    {
        var cache = NewCache();
        cache.Upsert(OnNode("a", "n1"));
        cache.Upsert(OnNode("b", "n1"));

        cache.Upsert(OnNode("a", "n2"));
        Assert.Equal(["b"], Names(cache.ByIndex(ByNode, "n1")));
        Assert.Equal(["a"], Names(cache.ByIndex(ByNode, "n2")));

        cache.Upsert(OnNode("a", "n2"));
        cache.Upsert(OnNode("b", "n1"));
        Assert.Equal(["a"], Names(cache.ByIndex(ByNode, "n2")));
        Assert.Equal(["b"], Names(cache.ByIndex(ByNode, "n1")));

        // The bucket of n1 came back to a single key: removing another key under it changes nothing.
        cache.Upsert(OnNode("x", "n3"));
        cache.Remove("default/x");
        Assert.Equal(["b"], Names(cache.ByIndex(ByNode, "n1")));
    }

    [Fact]
    public void An_index_added_later_covers_the_objects_already_held_and_a_second_of_the_same_name_is_ignored()
    {
        var cache = new IndexedCache<V1Pod>();
        cache.Upsert(OnNode("a", "n1"));
        cache.Upsert(OnNode("b", "n1"));
        cache.Upsert(OnNode("c", "n2"));

        cache.AddIndexer(ByNode, p => [p.Spec.NodeName]);
        cache.AddIndexer(ByNode, _ => ["ignored"]);

        Assert.Equal(["a", "b"], Names(cache.ByIndex(ByNode, "n1")));
        Assert.Equal(["c"], Names(cache.ByIndex(ByNode, "n2")));
        Assert.Empty(cache.ByIndex(ByNode, "ignored"));
        Assert.Throws<ArgumentException>(() => cache.ByIndex("no-such-index", "n1"));
    }

    private static IndexedCache<V1Pod> NewCache()
    {
        var cache = new IndexedCache<V1Pod>();
        cache.AddIndexer(ByNode, p => [p.Spec.NodeName]);
        return cache;
    }

    private static V1Pod OnNode(string name, string node)
    {
        var pod = Pods.Make(name);
        pod.Spec.NodeName = node;
        return pod;
    }

    private static List<string> Names(IEnumerable<V1Pod> pods) => pods.Select(p => p.Metadata.Name).Order(StringComparer.Ordinal).ToList();
}
