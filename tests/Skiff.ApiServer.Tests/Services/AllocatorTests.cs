using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.ApiServer.Services;
using Skiff.Storage;
using Skiff.Storage.Memory;

namespace Skiff.ApiServer.Tests.Services;

public sealed class AllocatorTests
{
    [Fact]
    public void Ranges_skip_network_and_broadcast_and_have_upstream_static_bands()
    {
        var range = ServiceIpRange.Parse("10.43.0.0/16");
        Assert.Equal("10.43.0.1", range.At(0).ToString());
        Assert.Equal(65534, range.Size);
        Assert.Equal(256, range.StaticBandSize);
        Assert.Null(range.OffsetOf(System.Net.IPAddress.Parse("10.43.255.255")));
        Assert.Null(range.OffsetOf(System.Net.IPAddress.Parse("10.44.0.1")));
        Assert.Equal(16, ServiceIpRange.Parse("10.0.0.0/24").StaticBandSize);
        Assert.Equal(86, NodePortRange.Default.StaticBandSize);
        Assert.Equal("30000-32767", NodePortRange.Parse("30000-32767").ToString());
        Assert.Throws<FormatException>(() => ServiceIpRange.Parse("10.43.0.0"));
        Assert.Throws<FormatException>(() => NodePortRange.Parse("32767-30000"));
    }

    [Fact]
    public void Dynamic_allocation_fills_the_upper_band_before_the_static_band()
    {
        var bitmap = new AllocationBitmap(64, 16);
        var first48 = Enumerable.Range(0, 48).Select(_ => bitmap.AllocateNext(System.Security.Cryptography.RandomNumberGenerator.GetInt32)!.Value).ToList();
        Assert.All(first48, o => Assert.InRange(o, 16, 63));
        Assert.Equal(48, first48.Distinct().Count());
        var rest = Enumerable.Range(0, 16).Select(_ => bitmap.AllocateNext(System.Security.Cryptography.RandomNumberGenerator.GetInt32)!.Value).ToList();
        Assert.All(rest, o => Assert.InRange(o, 0, 15));
        Assert.Null(bitmap.AllocateNext(System.Security.Cryptography.RandomNumberGenerator.GetInt32));
        bitmap.Release(5);
        Assert.Equal(5, bitmap.AllocateNext(System.Security.Cryptography.RandomNumberGenerator.GetInt32));
    }

    [Fact]
    public void The_stored_bitmap_round_trips_as_big_endian_big_int_bytes()
    {
        var bitmap = new AllocationBitmap(100, 16);
        bitmap.Allocate(0);
        bitmap.Allocate(9);
        bitmap.Allocate(99);
        var bytes = bitmap.ToBytes();
        Assert.Equal(13, bytes.Length); // bit 99 needs 13 bytes
        Assert.Equal(0x01, bytes[^1]); // bit 0 is the lowest bit of the last byte
        Assert.Equal(0x02, bytes[^2]); // bit 9
        var back = AllocationBitmap.FromBytes(100, 16, bytes);
        Assert.Equal([0, 9, 99], back.Allocated());
    }

    [Fact]
    public async Task Exhaustion_release_and_explicit_allocation_over_the_store()
    {
        await using var store = new MemoryStore();
        var allocator = new StoredRangeAllocator(store, "/registry/ranges/test", "10.0.0.0/29", 6, 0);
        Assert.True(await allocator.AllocateAsync(2, dryRun: false, CancellationToken.None));
        Assert.False(await allocator.AllocateAsync(2, dryRun: false, CancellationToken.None));
        var taken = new List<int>();
        for (var i = 0; i < 5; i++)
        {
            taken.Add((await allocator.AllocateNextAsync(dryRun: false, CancellationToken.None))!.Value);
        }

        Assert.DoesNotContain(2, taken);
        Assert.Null(await allocator.AllocateNextAsync(dryRun: false, CancellationToken.None));
        await allocator.ReleaseAsync(taken[0], CancellationToken.None);
        Assert.Equal(taken[0], await allocator.AllocateNextAsync(dryRun: false, CancellationToken.None));

        // A dry run checks and takes nothing.
        await allocator.ReleaseAsync(taken[1], CancellationToken.None);
        Assert.True(await allocator.AllocateAsync(taken[1], dryRun: true, CancellationToken.None));
        Assert.True(await allocator.AllocateAsync(taken[1], dryRun: false, CancellationToken.None));

        // A second allocator (another API server, or this one after a restart) sees what is stored.
        var again = new StoredRangeAllocator(store, "/registry/ranges/test", "10.0.0.0/29", 6, 0);
        Assert.Null(await again.AllocateNextAsync(dryRun: false, CancellationToken.None));
    }

    [Fact]
    public async Task Two_allocators_over_one_store_never_hand_out_one_offset_twice()
    {
        await using var store = new MemoryStore();
        var a = new StoredRangeAllocator(store, "/registry/ranges/serviceips", "10.0.0.0/24", 254, 16);
        var b = new StoredRangeAllocator(store, "/registry/ranges/serviceips", "10.0.0.0/24", 254, 16);
        var results = await Task.WhenAll(Enumerable.Range(0, 300).Select(i => Task.Run(() => (i % 2 == 0 ? a : b).AllocateNextAsync(false, CancellationToken.None))));
        var given = results.OfType<int>().ToList();
        Assert.Equal(254, given.Count);
        Assert.Equal(254, given.Distinct().Count());
        Assert.Equal(46, results.Count(r => r is null));
    }

    [Fact]
    public async Task An_allocator_that_keeps_losing_to_a_peer_tries_again_until_it_wins()
    {
        // A peer server writes the bitmap between this allocator's read and its write 200 times in a row (a busy
        // peer on a loaded machine): this server's allocation still succeeds, once the peer lets it through. A cap
        // on compare-and-swap attempts (there was one, at 64) failed such a Service create with a 500.
        var inner = new MemoryStore();
        var peer = new StoredRangeAllocator(inner, "/registry/ranges/serviceips", "10.0.0.0/24", 254, 16);
        var peerWrites = 0;
        await using var store = new AfterReadStore(inner, async (_, ct) =>
        {
            if (peerWrites < 200)
            {
                peerWrites++;
                var taken = await peer.AllocateNextAsync(dryRun: false, ct);
                Assert.NotNull(taken);
                await peer.ReleaseAsync(taken.Value, ct);
            }
        });
        var loser = new StoredRangeAllocator(store, "/registry/ranges/serviceips", "10.0.0.0/24", 254, 16);
        Assert.True(await loser.AllocateAsync(100, dryRun: false, CancellationToken.None));
        Assert.Equal(200, peerWrites);
        Assert.False(await peer.AllocateAsync(100, dryRun: true, CancellationToken.None));
    }

    [Fact]
    public async Task An_allocator_that_never_wins_stops_when_its_request_is_cancelled()
    {
        var inner = new MemoryStore();
        var peer = new StoredRangeAllocator(inner, "/registry/ranges/serviceips", "10.0.0.0/24", 254, 16);
        using var cancel = new CancellationTokenSource();
        var reads = 0;
        await using var store = new AfterReadStore(inner, async (_, ct) =>
        {
            if (++reads == 500)
            {
                await cancel.CancelAsync();
            }

            var taken = await peer.AllocateNextAsync(dryRun: false, CancellationToken.None);
            await peer.ReleaseAsync(taken!.Value, CancellationToken.None);
        });
        var loser = new StoredRangeAllocator(store, "/registry/ranges/serviceips", "10.0.0.0/24", 254, 16);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => loser.AllocateAsync(250, dryRun: false, cancel.Token));
        Assert.Equal(500, reads);
    }

    [Fact]
    public async Task Concurrent_allocations_through_one_allocator_all_succeed()
    {
        // Reads that linger before the write, as over a network: without turns, each round of 100 concurrent
        // read-modify-writes lets one through, and the last ones ran out of compare-and-swap attempts
        // ("too many concurrent updates", which reached kubectl as an error while creating Services in parallel).
        await using var store = new AfterReadStore(new MemoryStore(), (_, ct) => Task.Delay(TimeSpan.FromMilliseconds(2), ct));
        var allocator = new StoredRangeAllocator(store, "/registry/ranges/serviceips", "10.0.0.0/24", 254, 16);
        var results = await Task.WhenAll(Enumerable.Range(20, 100).Select(offset => Task.Run(() => allocator.AllocateAsync(offset, dryRun: false, CancellationToken.None))));
        Assert.All(results, Assert.True);
        var (bitmap, _, _) = await allocator.SnapshotAsync(CancellationToken.None);
        Assert.All(Enumerable.Range(20, 100), offset => Assert.True(bitmap.Has(offset)));
    }

    [Fact]
    public async Task Repair_rebuilds_a_lost_bitmap_from_the_services_and_frees_leaks_after_three_runs()
    {
        await using var store = new MemoryStore();
        var range = ServiceIpRange.Parse("10.0.0.0/24");
        var ips = new StoredRangeAllocator(store, "/registry/ranges/serviceips", range.ToString(), range.Size, range.StaticBandSize);
        var allocations = new ServiceAllocations(range, ips, NodePortRange.Default,
            new StoredRangeAllocator(store, "/registry/ranges/servicenodeports", NodePortRange.Default.ToString(), NodePortRange.Default.Size, NodePortRange.Default.StaticBandSize));
        var service = new V1Service { ApiVersion = "v1", Kind = "Service", Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" }, Spec = new V1ServiceSpec { Type = "ClusterIP", ClusterIP = "10.0.0.7" } };
        await store.CreateAsync("/registry/services/specs/default/web", Skiff.Api.Json.ModelJson.Serialize(service), CancellationToken.None);
        var repair = new AllocationRepair(store, "/registry/services/specs/", ips, s => allocations.ClusterIpOffset(s) is { } o ? [o] : [], NullLogger.Instance);

        // Nothing stored (e.g. the range key was lost, or a server crashed before writing it): repair restores 10.0.0.7.
        await repair.RunOnceAsync(CancellationToken.None);
        Assert.False(await ips.AllocateAsync(6, dryRun: true, CancellationToken.None));

        // An allocation no service uses (a crash between allocation and the service write) is a leak.
        Assert.True(await ips.AllocateAsync(20, dryRun: false, CancellationToken.None));
        await repair.RunOnceAsync(CancellationToken.None);
        await repair.RunOnceAsync(CancellationToken.None);
        Assert.False(await ips.AllocateAsync(20, dryRun: true, CancellationToken.None));
        await repair.RunOnceAsync(CancellationToken.None);
        Assert.True(await ips.AllocateAsync(20, dryRun: true, CancellationToken.None));
        Assert.False(await ips.AllocateAsync(6, dryRun: true, CancellationToken.None));
    }
}

/// <summary>A store that runs <paramref name="afterRead"/> after each read and before returning it: a delay makes
/// concurrent read-modify-writes overlap, a write stands for a peer that got in between.</summary>
internal sealed class AfterReadStore(IStore inner, Func<KeyValue?, CancellationToken, Task> afterRead) : IStore
{
    public async Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken)
    {
        var kv = await inner.GetAsync(key, cancellationToken);
        await afterRead(kv, cancellationToken);
        return kv;
    }

    public Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken) => inner.GetCurrentRevisionAsync(cancellationToken);

    public Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken) => inner.GetCompactedRevisionAsync(cancellationToken);

    public Task<ListResult> ListAsync(string prefix, ListOptions options, CancellationToken cancellationToken) => inner.ListAsync(prefix, options, cancellationToken);

    public Task<long> CountAsync(string prefix, CancellationToken cancellationToken) => inner.CountAsync(prefix, cancellationToken);

    public Task<KeyValue> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken) => inner.CreateAsync(key, value, cancellationToken);

    public Task<KeyValue> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken) =>
        inner.UpdateAsync(key, value, expectedModRevision, cancellationToken);

    public Task<KeyValue> DeleteAsync(string key, long? expectedModRevision, CancellationToken cancellationToken) => inner.DeleteAsync(key, expectedModRevision, cancellationToken);

    public IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken) => inner.WatchAsync(prefix, afterRevision, cancellationToken);

    public Task CompactAsync(long revision, CancellationToken cancellationToken) => inner.CompactAsync(revision, cancellationToken);

    public ValueTask DisposeAsync() => inner.DisposeAsync();
}
