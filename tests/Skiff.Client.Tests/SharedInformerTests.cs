using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Informers;
using Skiff.Testing;

namespace Skiff.Client.Tests;

/// <summary>The informer against the in-memory API: every change reaches every handler exactly once, across
/// interrupted watches and re-lists after 410 Gone, and the cache ends equal to a fresh list.</summary>
public sealed class SharedInformerTests : IAsyncLifetime
{
    private readonly FakeApiClient _api = new();
    private readonly CancellationTokenSource _stop = new();
    private SharedInformerFactory _factory = null!;

    public Task InitializeAsync()
    {
        _factory = new SharedInformerFactory(_api, TimeProvider.System, NullLoggerFactory.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _factory.DisposeAsync();
        _stop.Dispose();
    }

    [Fact]
    public async Task The_first_list_reaches_handlers_as_initial_adds_then_watch_events_follow_in_order()
    {
        _api.Seed(Pods.Make("a"));
        _api.Seed(Pods.Make("b"));
        var informer = _factory.Get<V1Pod>();
        var handler = new RecordingHandler();
        var registration = informer.AddEventHandler(handler);
        _factory.Start(_stop.Token);
        await informer.WaitForSyncAsync(_stop.Token);
        await Eventually.TrueAsync(() => registration.HasSynced, "the handler to have the initial list");
        Assert.Equal(["add a initial", "add b initial"], handler.Lines.Order().ToList());

        await _api.CreateAsync(Pods.Make("c"), default);
        var b = _api.Peek<V1Pod>("default", "b")!;
        b.Metadata.Labels = new Dictionary<string, string> { ["x"] = "1" };
        await _api.UpdateAsync(b, default);
        await _api.DeleteAsync<V1Pod>("default", "a", null, default);
        await Eventually.TrueAsync(() => handler.Count == 5, "three more notifications");
        Assert.Equal(["add c", "update b", "delete a"], handler.Lines.Skip(2).ToList());
        Assert.Equal(["b", "c"], informer.Cache.List().Select(p => p.Metadata.Name).Order().ToList());
        Assert.Single(_api.Calls, c => c.Verb == "list");
    }

    [Fact]
    public async Task A_transform_shapes_every_object_of_the_list_and_of_the_watch_before_cache_and_handlers()
    {
        _api.Seed(Pods.Make("a", labels: new Dictionary<string, string> { ["app"] = "web", ["tier"] = "front" }));
        var options = new InformerOptions { Transform = StripLabelsButApp };
        var informer = _factory.Get<V1Pod>(options);
        Assert.Same(informer, _factory.Get<V1Pod>(options));
        Assert.NotSame(informer, _factory.Get<V1Pod>());
        var seen = new List<V1Pod>();
        informer.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Added = (p, _) => { lock (seen) { seen.Add(p); } },
            Updated = (_, p) => { lock (seen) { seen.Add(p); } },
            Deleted = (p, _) => { lock (seen) { seen.Add(p); } },
        });
        _factory.Start(_stop.Token);
        await informer.WaitForSyncAsync(_stop.Token);

        await _api.CreateAsync(Pods.Make("b", labels: new Dictionary<string, string> { ["app"] = "db", ["x"] = "1" }), default);
        var a = _api.Peek<V1Pod>("default", "a")!;
        a.Metadata.Labels["tier"] = "back";
        await _api.UpdateAsync(a, default);
        await _api.DeleteAsync<V1Pod>("default", "b", null, default);
        await Eventually.TrueAsync(() => { lock (seen) { return seen.Count == 4; } }, "the list, an add, an update and a delete");

        lock (seen)
        {
            Assert.All(seen, p => Assert.Equal(["app"], p.Metadata.Labels.Keys));
        }

        Assert.Equal(["web"], informer.Cache.List().Select(p => p.Metadata.Labels["app"]));
    }

    // A new object, as a real transform makes (the fake API hands out the objects it stores).
    private static k8s.IKubernetesObject<V1ObjectMeta> StripLabelsButApp(k8s.IKubernetesObject<V1ObjectMeta> obj) => new V1Pod
    {
        Metadata = new V1ObjectMeta
        {
            Name = obj.Metadata.Name,
            NamespaceProperty = obj.Metadata.NamespaceProperty,
            Uid = obj.Metadata.Uid,
            ResourceVersion = obj.Metadata.ResourceVersion,
            Labels = obj.Metadata.Labels?.Where(l => l.Key == "app").ToDictionary(),
        },
    };

    [Fact]
    public async Task A_watch_that_ends_resumes_from_its_last_revision_without_loss_or_duplicate()
    {
        var informer = _factory.Get<V1Pod>();
        var handler = new RecordingHandler();
        informer.AddEventHandler(handler);
        _factory.Start(_stop.Token);
        await informer.WaitForSyncAsync(_stop.Token);
        for (var round = 0; round < 5; round++)
        {
            await Eventually.TrueAsync(() => _api.OpenWatches == 1, "the informer to watch");
            await _api.CreateAsync(Pods.Make($"p{round}"), default);
            _api.EndWatches();
            await _api.CreateAsync(Pods.Make($"q{round}"), default); // written while no watch is open
        }

        await Eventually.TrueAsync(() => handler.Count == 10, "ten adds");
        Assert.Equal(10, handler.Lines.Distinct().Count());
        Assert.Single(_api.Calls, c => c.Verb == "list"); // resumed, never re-listed
        Assert.Equal(6, _api.Calls.Count(c => c.Verb == "watch"));
    }

    [Fact]
    public async Task After_410_Gone_a_relist_tells_handlers_only_what_changed_and_the_cache_equals_a_fresh_list()
    {
        for (var i = 0; i < 6; i++)
        {
            _api.Seed(Pods.Make($"p{i}"));
        }

        var informer = _factory.Get<V1Pod>();
        var first = new RecordingHandler();
        var second = new RecordingHandler();
        informer.AddEventHandler(first);
        informer.AddEventHandler(second);
        _factory.Start(_stop.Token);
        await informer.WaitForSyncAsync(_stop.Token);
        await Eventually.TrueAsync(() => first.Count == 6 && second.Count == 6, "the initial list");

        // While the informer is cut off: one pod deleted, one changed, one deleted and created again, one new;
        // then history is compacted, so resuming is impossible.
        _api.FailNext("watch", "pods", new ApiException(0, null, "connection refused"));
        _api.EndWatches();
        await _api.DeleteAsync<V1Pod>("default", "p0", null, default);
        var p1 = _api.Peek<V1Pod>("default", "p1")!;
        p1.Metadata.Labels = new Dictionary<string, string> { ["changed"] = "yes" };
        await _api.UpdateAsync(p1, default);
        await _api.DeleteAsync<V1Pod>("default", "p2", null, default);
        await _api.CreateAsync(Pods.Make("p2"), default);
        await _api.CreateAsync(Pods.Make("new"), default);
        _api.Compact();

        await Eventually.TrueAsync(() => informer.ListCount == 2, "a second list", 15_000);
        var expected = (await _api.ListAsync<V1Pod>(new ListOptions(), default)).Items.ToDictionary(p => p.Metadata.Name, p => p.Metadata.ResourceVersion);
        foreach (var handler in new[] { first, second })
        {
            await Eventually.TrueAsync(() => handler.Snapshot().Count == expected.Count && handler.Snapshot().All(kv => expected.GetValueOrDefault(kv.Key) == kv.Value), "the handler to match the store");
            Assert.Equal(
                ["add new", "add p2", "delete p0 unknown", "delete p2 unknown", "update p1"],
                handler.Lines.Skip(6).Order(StringComparer.Ordinal).ToList());
        }

        Assert.Equal(expected, informer.Cache.List().ToDictionary(p => p.Metadata.Name, p => p.Metadata.ResourceVersion));
    }

    [Fact]
    public async Task A_handler_added_to_a_running_informer_first_gets_the_cache()
    {
        _api.Seed(Pods.Make("a"));
        var informer = _factory.Get<V1Pod>();
        _factory.Start(_stop.Token);
        await informer.WaitForSyncAsync(_stop.Token);
        var late = new RecordingHandler();
        var registration = informer.AddEventHandler(late);
        await Eventually.TrueAsync(() => registration.HasSynced, "the late handler to sync");
        await _api.CreateAsync(Pods.Make("b"), default);
        await Eventually.TrueAsync(() => late.Count == 2, "the new pod");
        Assert.Equal(["add a initial", "add b"], late.Lines);
    }

    [Fact]
    public async Task A_failing_handler_does_not_stop_deliveries_to_itself_or_others()
    {
        var informer = _factory.Get<V1Pod>();
        var calls = 0;
        informer.AddEventHandler(new ResourceEventHandler<V1Pod> { Added = (_, _) => { calls++; throw new InvalidOperationException("bug"); } });
        var healthy = new RecordingHandler();
        informer.AddEventHandler(healthy);
        _factory.Start(_stop.Token);
        await _api.CreateAsync(Pods.Make("a"), default);
        await _api.CreateAsync(Pods.Make("b"), default);
        await Eventually.TrueAsync(() => calls == 2 && healthy.Count == 2, "both handlers to see both pods");
    }

    [Fact]
    public async Task One_informer_per_kind_and_options_in_a_factory_and_indexes_by_node()
    {
        Assert.Same(_factory.Get<V1Pod>(), _factory.Get<V1Pod>(new InformerOptions()));
        var byNode = _factory.Get<V1Pod>(new InformerOptions { FieldSelector = "spec.nodeName=n1" });
        Assert.NotSame(_factory.Get<V1Pod>(), byNode);

        _api.Seed(Pods.Make("on-n1", node: "n1"));
        _api.Seed(Pods.Make("on-n2", node: "n2"));
        _api.Seed(Pods.Make("pending"));
        var all = _factory.Get<V1Pod>();
        all.AddIndexer(Indexers.NodeName, Indexers.ByNodeName);
        _factory.Start(_stop.Token);
        await _factory.WaitForCacheSyncAsync(_stop.Token);
        Assert.Equal("on-n2", Assert.Single(all.Cache.ByIndex(Indexers.NodeName, "n2")).Metadata.Name);
        Assert.Equal("pending", Assert.Single(all.Cache.ByIndex(Indexers.NodeName, string.Empty)).Metadata.Name);
        Assert.Equal("on-n1", Assert.Single(byNode.Cache.List()).Metadata.Name);

        // Binding a pending pod to n1 brings it into the filtered informer, and moves it in the index.
        await _api.CreateSubresourceAsync<V1Pod, V1Binding, V1Status>("default", "pending", "binding",
            new V1Binding { Metadata = new V1ObjectMeta { Name = "pending" }, Target = new V1ObjectReference { Kind = "Node", Name = "n1" } }, default);
        await Eventually.TrueAsync(() => byNode.Cache.Count == 2, "the bound pod in the node's informer");
        await Eventually.TrueAsync(() => all.Cache.ByIndex(Indexers.NodeName, "n1").Count == 2, "the index to move");
        Assert.Empty(all.Cache.ByIndex(Indexers.NodeName, string.Empty));
    }

    [Fact]
    public async Task Resync_gives_every_cached_object_again_at_the_handlers_period()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-05T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var factory = new SharedInformerFactory(_api, time, NullLoggerFactory.Instance);
        _api.Seed(Pods.Make("a"));
        _api.Seed(Pods.Make("b"));
        var informer = factory.Get<V1Pod>();
        var resyncing = new RecordingHandler();
        var quiet = new RecordingHandler();
        informer.AddEventHandler(resyncing, TimeSpan.FromSeconds(30));
        informer.AddEventHandler(quiet);
        factory.Start(_stop.Token);
        await Eventually.TrueAsync(() => resyncing.Count == 2 && quiet.Count == 2, "the initial list");
        time.Advance(TimeSpan.FromSeconds(30));
        await Eventually.TrueAsync(() => resyncing.Count == 4, "a resync");
        Assert.Equal(["resync a", "resync b"], resyncing.Lines.Skip(2).Order().ToList());
        Assert.Equal(2, quiet.Count);
    }

    [Fact]
    public async Task A_watch_that_goes_silent_is_given_up_and_the_informer_lists_and_watches_again()
    {
        var time = new FakeTimeProvider(DateTimeOffset.Parse("2026-12-05T00:00:00Z", System.Globalization.CultureInfo.InvariantCulture));
        await using var factory = new SharedInformerFactory(_api, time, NullLoggerFactory.Instance);
        _api.Seed(Pods.Make("a"));
        var informer = factory.Get<V1Pod>(new InformerOptions { WatchIdleTimeout = TimeSpan.FromMinutes(3) });
        var handler = new RecordingHandler();
        informer.AddEventHandler(handler);
        factory.Start(_stop.Token);
        await Eventually.TrueAsync(() => handler.Count == 1 && _api.OpenWatches == 1, "the initial list and a watch");

        // A stream that hears events is not silent, however long it has been open.
        time.Advance(TimeSpan.FromMinutes(2));
        await _api.CreateAsync(Pods.Make("b"), default);
        await Eventually.TrueAsync(() => handler.Count == 2, "b by the watch");
        time.Advance(TimeSpan.FromMinutes(2));
        Assert.Equal(0, informer.WatchesGoneSilent);

        // The stream dies without ending: c and the deletion of a never come through it.
        _api.StallWatches();
        await _api.CreateAsync(Pods.Make("c"), default);
        await _api.DeleteAsync<V1Pod>("default", "a", null, default);
        await Task.Delay(200);
        Assert.Equal(2, handler.Count);

        time.Advance(TimeSpan.FromMinutes(3));
        await Eventually.TrueAsync(() => handler.Count == 4, "c and the deletion of a by a fresh list");
        Assert.Equal(["add c", "delete a unknown"], handler.Lines.Skip(2).Order().ToList());
        Assert.Equal(1, informer.WatchesGoneSilent);
        Assert.Equal(2, informer.ListCount);

        // And the new watch carries on.
        await Eventually.TrueAsync(() => _api.OpenWatches == 1, "a new watch");
        await _api.CreateAsync(Pods.Make("d"), default);
        await Eventually.TrueAsync(() => handler.Count == 5, "d by the new watch");
        Assert.Equal(["b", "c", "d"], informer.Cache.List().Select(p => p.Metadata.Name).Order().ToList());
    }

    [Fact]
    public async Task The_cache_drops_managed_fields_unless_asked_to_keep_them()
    {
        var pod = Pods.Make("a");
        pod.Metadata.ManagedFields = [new V1ManagedFieldsEntry { Manager = "kubectl", Operation = "Apply" }];
        _api.Seed(pod);
        var informer = _factory.Get<V1Pod>();
        var keeping = _factory.Get<V1Pod>(new InformerOptions { KeepManagedFields = true });
        _factory.Start(_stop.Token);
        await _factory.WaitForCacheSyncAsync(_stop.Token);
        Assert.Null(informer.Cache.Get("default", "a")!.Metadata.ManagedFields);
        Assert.Single(keeping.Cache.Get("default", "a")!.Metadata.ManagedFields);
    }
}
