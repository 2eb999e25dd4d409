using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;

namespace Skiff.Storage.Etcd;

/// <summary>
/// <see cref="IStore"/> on an etcd v3 cluster through dotnet-etcd, issuing the same requests as Kubernetes' etcd3
/// store: create is a Txn comparing mod_revision with 0, update and guarded delete compare it with the expected
/// revision, lists are ranges at a revision with a limit, watches ask for previous values.
/// </summary>
/// <remarks>
/// <para>Skiff revisions are etcd revisions minus one (see <see cref="EtcdRevision"/>), so a fresh etcd reads as
/// revision 0 and its first write is revision 1.</para>
/// <para>Calls are balanced across <see cref="EtcdStoreOptions.Endpoints"/> by dotnet-etcd's client-side balancer.
/// A write that fails with <see cref="StorageErrorCode.Unavailable"/> or <see cref="StorageErrorCode.Timeout"/> may
/// or may not have been applied, as with any etcd client.</para>
/// </remarks>
public sealed partial class EtcdStore : IStore
{
    private readonly EtcdClient _client;
    private readonly KV.KVClient _kv;
    private readonly Watch.WatchClient _watch;
    private readonly Maintenance.MaintenanceClient _maintenance;
    private readonly EtcdStoreOptions _options;
    private readonly TimeProvider _time = TimeProvider.System;
    private readonly CancellationTokenSource _closing = new();
    private int _disposed;

    private EtcdStore(EtcdClient client, EtcdStoreOptions options)
    {
        _client = client;
        _options = options;
        var connection = client.GetConnection();
        _kv = connection.KVClient;
        _watch = connection.WatchClient;
        _maintenance = connection.MaintenanceClient;
    }

    /// <summary>Connects to the cluster and checks that it answers.</summary>
    public static async Task<EtcdStore> ConnectAsync(EtcdStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(options);
        if (options.Endpoints.Count == 0)
        {
            throw new ArgumentException("at least one etcd endpoint is needed", nameof(options));
        }

        var connectionString = string.Join(',', options.Endpoints.Select(e => e.GetLeftPart(UriPartial.Authority)));
        var client = new EtcdClient(connectionString, configureChannelOptions: channel => channel.MaxReceiveMessageSize = options.MaxReceiveMessageBytes);
        var store = new EtcdStore(client, options);
        try
        {
            await store.GetCurrentRevisionAsync(cancellationToken);
            return store;
        }
        catch
        {
            await store.DisposeAsync();
            throw;
        }
    }

    public async Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken)
    {
        var response = await CallAsync(string.Empty, o => _kv.RangeAsync(new RangeRequest { Key = EtcdKeys.Start(string.Empty), CountOnly = true }, o), cancellationToken, repeatable: true);
        return EtcdRevision.ToSkiff(response.Header.Revision);
    }

    public async Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken)
    {
        StorageErrors.ThrowIfInvalidKey(key);
        var response = await CallAsync(key, o => _kv.RangeAsync(new RangeRequest { Key = EtcdKeys.Key(key) }, o), cancellationToken, repeatable: true);
        return response.Kvs.Count == 0 ? null : ToKeyValue(response.Kvs[0]);
    }

    public async Task<ListResult> ListAsync(string prefix, ListOptions options, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegative(options.Limit);
        var token = options.Continue is null ? null : ContinueToken.Decode(options.Continue, prefix);
        long? revision = token?.Revision ?? (options.Revision is null or 0 ? null : options.Revision);
        var request = new RangeRequest
        {
            Key = token is null ? EtcdKeys.Start(prefix) : EtcdKeys.After(token.AfterKey),
            RangeEnd = EtcdKeys.RangeEnd(prefix),
            Revision = revision is { } r ? EtcdRevision.ToEtcd(r) : 0,
            Limit = options.Limit,
        };
        var response = await CallAsync(prefix, o => _kv.RangeAsync(request, o), cancellationToken, repeatable: true);
        var items = response.Kvs.Select(ToKeyValue).ToList();
        var snapshot = revision ?? EtcdRevision.ToSkiff(response.Header.Revision);
        var next = response.More && items.Count > 0 ? new ContinueToken(snapshot, prefix, items[^1].Key).Encode() : null;
        return new ListResult(items, snapshot, next, next is null ? 0 : response.Count - items.Count);
    }

    public async Task<long> CountAsync(string prefix, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        var request = new RangeRequest { Key = EtcdKeys.Start(prefix), RangeEnd = EtcdKeys.RangeEnd(prefix), CountOnly = true };
        return (await CallAsync(prefix, o => _kv.RangeAsync(request, o), cancellationToken, repeatable: true)).Count;
    }

    public async Task<KeyValue> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        StorageErrors.ThrowIfInvalidKey(key);
        var k = EtcdKeys.Key(key);
        var bytes = ByteString.CopyFrom(value.Span);
        var txn = new TxnRequest();
        txn.Compare.Add(ModRevisionEquals(k, 0));
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = k, Value = bytes } });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = k } });
        var response = await CallAsync(key, o => _kv.TxnAsync(txn, o), cancellationToken);
        if (!response.Succeeded)
        {
            throw StorageErrors.KeyExists(key, CurrentFromFailure(response));
        }

        var revision = EtcdRevision.ToSkiff(response.Header.Revision);
        return new KeyValue(key, bytes.Memory, revision, revision);
    }

    public async Task<KeyValue> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken)
    {
        StorageErrors.ThrowIfInvalidKey(key);
        var k = EtcdKeys.Key(key);
        var bytes = ByteString.CopyFrom(value.Span);
        var txn = new TxnRequest();
        txn.Compare.Add(ModRevisionEquals(k, ExpectedEtcdRevision(expectedModRevision)));
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = k, Value = bytes, PrevKv = true } });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = k } });
        var response = await CallAsync(key, o => _kv.TxnAsync(txn, o), cancellationToken);
        if (!response.Succeeded)
        {
            throw CurrentFromFailure(response) is { } current
                ? StorageErrors.Conflict(key, expectedModRevision, current)
                : StorageErrors.NotFound(key);
        }

        var previous = response.Responses[0].ResponsePut.PrevKv;
        return new KeyValue(key, bytes.Memory, EtcdRevision.ToSkiff(previous.CreateRevision), EtcdRevision.ToSkiff(response.Header.Revision));
    }

    public async Task<KeyValue> DeleteAsync(string key, long? expectedModRevision, CancellationToken cancellationToken)
    {
        StorageErrors.ThrowIfInvalidKey(key);
        var k = EtcdKeys.Key(key);
        var txn = new TxnRequest();
        if (expectedModRevision is { } expected)
        {
            txn.Compare.Add(ModRevisionEquals(k, ExpectedEtcdRevision(expected)));
        }

        txn.Success.Add(new RequestOp { RequestDeleteRange = new DeleteRangeRequest { Key = k, PrevKv = true } });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = k } });
        var response = await CallAsync(key, o => _kv.TxnAsync(txn, o), cancellationToken);
        if (!response.Succeeded)
        {
            throw CurrentFromFailure(response) is { } current
                ? StorageErrors.Conflict(key, expectedModRevision ?? 0, current)
                : StorageErrors.NotFound(key);
        }

        var deleted = response.Responses[0].ResponseDeleteRange;
        if (deleted.Deleted == 0)
        {
            throw StorageErrors.NotFound(key);
        }

        var previous = deleted.PrevKvs[0];
        return new KeyValue(key, previous.Value.Memory, EtcdRevision.ToSkiff(previous.CreateRevision), EtcdRevision.ToSkiff(response.Header.Revision));
    }

    public async Task CompactAsync(long revision, CancellationToken cancellationToken)
    {
        try
        {
            await CallAsync(string.Empty, o => _kv.CompactAsync(new CompactionRequest { Revision = EtcdRevision.ToEtcd(revision) }, o), cancellationToken);
        }
        catch (StorageException e) when (e.Code == StorageErrorCode.Compacted)
        {
            // Already compacted at or past this revision: nothing to do.
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        await _closing.CancelAsync(); // ends every watch with Unavailable
        _client.Dispose();
    }

    /// <summary>A compare on the key's mod revision; 0 means "the key does not exist".</summary>
    private static Compare ModRevisionEquals(ByteString key, long etcdRevision) => new()
    {
        Key = key,
        Target = Compare.Types.CompareTarget.Mod,
        Result = Compare.Types.CompareResult.Equal,
        ModRevision = etcdRevision,
    };

    /// <summary>
    /// The etcd mod revision an update or delete expects. A Skiff revision below 1 names no write; etcd revision 1 holds
    /// none either, so the compare fails as it must instead of meaning "the key does not exist".
    /// </summary>
    private static long ExpectedEtcdRevision(long skiffRevision) => Math.Max(1, EtcdRevision.ToEtcd(skiffRevision));

    private static KeyValue? CurrentFromFailure(TxnResponse response)
    {
        var range = response.Responses[0].ResponseRange;
        return range.Kvs.Count == 0 ? null : ToKeyValue(range.Kvs[0]);
    }

    private static KeyValue ToKeyValue(Mvccpb.KeyValue kv) =>
        new(kv.Key.ToStringUtf8(), kv.Value.Memory, EtcdRevision.ToSkiff(kv.CreateRevision), EtcdRevision.ToSkiff(kv.ModRevision));

    private void ThrowIfDisposed()
    {
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw StorageErrors.Closed();
        }
    }

    private async Task<T> CallAsync<T>(string key, Func<CallOptions, AsyncUnaryCall<T>> call, CancellationToken cancellationToken, bool repeatable = false)
    {
        ThrowIfDisposed();
        // One deadline for every attempt: a retried call still fails within RequestTimeout.
        var deadline = _time.GetUtcNow().UtcDateTime + _options.RequestTimeout;
        var options = new CallOptions(deadline: deadline, cancellationToken: cancellationToken);
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                return await call(options);
            }
            catch (RpcException e) when (e.StatusCode == StatusCode.Cancelled && cancellationToken.IsCancellationRequested)
            {
                throw new OperationCanceledException("the storage call was cancelled", e, cancellationToken);
            }
            catch (RpcException e) when (EtcdRetry.IsSafe(e, repeatable) && _time.GetUtcNow().UtcDateTime + EtcdRetry.Delay(attempt) < deadline)
            {
                await Task.Delay(EtcdRetry.Delay(attempt), _time, cancellationToken);
            }
            catch (RpcException e)
            {
                throw EtcdErrors.Translate(e, key);
            }
        }
    }
}
