using System.Security.Cryptography;
using System.Text.Json;
using Skiff.Storage;

namespace Skiff.ApiServer.Services;

/// <summary>
/// An allocator whose bitmap lives in the store (upstream's etcd-backed allocator): every allocation and release is a
/// read-modify-write of one RangeAllocation key guarded by compare-and-swap, so API servers sharing a store never hand
/// out one offset twice, and what was allocated survives restarts. Within one API server the read-modify-writes take
/// turns (upstream's allocator holds a mutex around each): concurrent Service creates on one server then never race
/// each other for the key, and compare-and-swap retries are left to races between servers. Those retries are not
/// counted, as upstream's GuaranteedUpdate does not count them: a server that keeps losing to a busy peer tries again
/// until it wins or its request is cancelled, rather than failing a Service create that would have fit.
/// </summary>
public sealed class StoredRangeAllocator
{
    private readonly IStore _store;
    private readonly SemaphoreSlim _turn = new(1, 1);

    public StoredRangeAllocator(IStore store, string key, string range, int size, int staticBandSize)
    {
        _store = store;
        Key = key;
        Range = range;
        Size = size;
        StaticBandSize = staticBandSize;
    }

    /// <summary>Where the RangeAllocation is stored, e.g. <c>/registry/ranges/serviceips</c>.</summary>
    public string Key { get; }

    /// <summary>The range text stored with the bitmap (the CIDR or the port range).</summary>
    public string Range { get; }

    public int Size { get; }

    public int StaticBandSize { get; }

    /// <summary>Takes <paramref name="offset"/>; false when it is already taken. A dry run only checks.</summary>
    public async Task<bool> AllocateAsync(int offset, bool dryRun, CancellationToken ct)
    {
        var taken = true;
        await UpdateAsync(bitmap =>
        {
            taken = bitmap.Has(offset);
            return !taken && !dryRun && bitmap.Allocate(offset);
        }, ct);
        return !taken;
    }

    /// <summary>Takes a free offset (upper band first); null when the range is full. A dry run takes nothing.</summary>
    public async Task<int?> AllocateNextAsync(bool dryRun, CancellationToken ct)
    {
        int? chosen = null;
        await UpdateAsync(bitmap =>
        {
            chosen = bitmap.AllocateNext(RandomNumberGenerator.GetInt32);
            return chosen is not null && !dryRun;
        }, ct);
        return chosen;
    }

    public Task ReleaseAsync(int offset, CancellationToken ct) =>
        UpdateAsync(bitmap =>
        {
            if (!bitmap.Has(offset))
            {
                return false;
            }

            bitmap.Release(offset);
            return true;
        }, ct);

    /// <summary>The stored bitmap and its revision (0 when nothing is stored yet).</summary>
    public async Task<(AllocationBitmap Bitmap, long Revision, string? StoredRange)> SnapshotAsync(CancellationToken ct)
    {
        var kv = await _store.GetAsync(Key, ct);
        if (kv is null)
        {
            return (new AllocationBitmap(Size, StaticBandSize), 0, null);
        }

        var record = JsonSerializer.Deserialize<RangeAllocationRecord>(kv.Value.Span) ?? new RangeAllocationRecord();
        var bitmap = record.Range == Range
            ? AllocationBitmap.FromBytes(Size, StaticBandSize, record.Data)
            : new AllocationBitmap(Size, StaticBandSize);
        return (bitmap, kv.ModRevision, record.Range);
    }

    /// <summary>Writes <paramref name="bitmap"/> if the stored one is still at <paramref name="expectedRevision"/>
    /// (0: not stored yet); false when someone else wrote in between.</summary>
    public async Task<bool> TryReplaceAsync(AllocationBitmap bitmap, long expectedRevision, CancellationToken ct)
    {
        var bytes = Serialize(bitmap);
        try
        {
            if (expectedRevision == 0)
            {
                await _store.CreateAsync(Key, bytes, ct);
            }
            else
            {
                await _store.UpdateAsync(Key, bytes, expectedRevision, ct);
            }

            return true;
        }
        catch (StorageException e) when (e.Code is StorageErrorCode.Conflict or StorageErrorCode.KeyExists or StorageErrorCode.NotFound)
        {
            return false;
        }
    }

    private async Task UpdateAsync(Func<AllocationBitmap, bool> change, CancellationToken ct)
    {
        await _turn.WaitAsync(ct);
        try
        {
            await UpdateInTurnAsync(change, ct);
        }
        finally
        {
            _turn.Release();
        }
    }

    private async Task UpdateInTurnAsync(Func<AllocationBitmap, bool> change, CancellationToken ct)
    {
        while (true)
        {
            ct.ThrowIfCancellationRequested();
            var (bitmap, revision, storedRange) = await SnapshotAsync(ct);
            if (storedRange is not null && storedRange != Range)
            {
                throw new InvalidOperationException($"the stored allocation at {Key} is for range {storedRange}, not {Range}; it is rebuilt by the repair loop");
            }

            if (!change(bitmap) || await TryReplaceAsync(bitmap, revision, ct))
            {
                return;
            }
        }
    }

    private byte[] Serialize(AllocationBitmap bitmap) =>
        JsonSerializer.SerializeToUtf8Bytes(new RangeAllocationRecord { Range = Range, Data = bitmap.ToBytes() });
}
