using Skiff.Bench.Common;
using dotnet_etcd;
using Etcdserverpb;
using Google.Protobuf;
using Grpc.Core;
using Grpc.Net.Client;

namespace Skiff.Bench.Storage;

/// <summary>etcd 3.4 through dotnet-etcd: the same operations as Kubernetes' etcd3 store issues them (Txn with a mod_revision compare).</summary>
internal sealed class EtcdTarget : IBenchTarget
{
    private readonly EtcdProcess _etcd;
    private readonly GrpcChannel _channel;
    private readonly EtcdClient _client;
    private readonly Watch.WatchClient _watch;

    private EtcdTarget(EtcdProcess etcd, GrpcChannel channel)
    {
        _etcd = etcd;
        _channel = channel;
        _client = new EtcdClient(channel.CreateCallInvoker());
        _watch = new Watch.WatchClient(channel);
    }

    public string Name => "etcd";

    public static async Task<EtcdTarget> StartAsync(string binary, CancellationToken cancellationToken)
    {
        var etcd = EtcdProcess.Start(binary);
        var channel = GrpcChannel.ForAddress(etcd.ClientUrl, new GrpcChannelOptions { MaxReceiveMessageSize = 512 * 1024 * 1024 });
        var target = new EtcdTarget(etcd, channel);
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                await target._client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8("/ready") }, null, DateTime.UtcNow.AddSeconds(2), cancellationToken);
                return target;
            }
            catch (RpcException) when (attempt < 100)
            {
                await Task.Delay(200, cancellationToken);
            }
        }
    }

    public async Task<long> CreateAsync(string key, byte[] value, CancellationToken cancellationToken)
    {
        var k = ByteString.CopyFromUtf8(key);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = k, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = 0 });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = k, Value = ByteString.CopyFrom(value) } });
        var response = await _client.TransactionAsync(txn, null, null, cancellationToken);
        return response.Succeeded ? response.Header.Revision : throw new InvalidOperationException($"{key} exists");
    }

    public async Task<long> UpdateAsync(string key, byte[] value, long expectedModRevision, CancellationToken cancellationToken)
    {
        var k = ByteString.CopyFromUtf8(key);
        var txn = new TxnRequest();
        txn.Compare.Add(new Compare { Key = k, Target = Compare.Types.CompareTarget.Mod, Result = Compare.Types.CompareResult.Equal, ModRevision = expectedModRevision });
        txn.Success.Add(new RequestOp { RequestPut = new PutRequest { Key = k, Value = ByteString.CopyFrom(value) } });
        txn.Failure.Add(new RequestOp { RequestRange = new RangeRequest { Key = k } });
        var response = await _client.TransactionAsync(txn, null, null, cancellationToken);
        return response.Succeeded ? response.Header.Revision : throw new InvalidOperationException($"{key} conflict");
    }

    public async Task<long> GetAsync(string key, CancellationToken cancellationToken)
    {
        var response = await _client.GetAsync(new RangeRequest { Key = ByteString.CopyFromUtf8(key) }, null, null, cancellationToken);
        return response.Kvs.Count == 1 ? response.Kvs[0].ModRevision : throw new InvalidOperationException($"{key} is missing");
    }

    public async Task<int> ListAsync(string prefix, CancellationToken cancellationToken)
    {
        var response = await _client.GetAsync(
            new RangeRequest { Key = ByteString.CopyFromUtf8(prefix), RangeEnd = PrefixEnd(prefix) }, null, null, cancellationToken);
        return response.Kvs.Count;
    }

    public async Task<IAsyncDisposable> WatchAsync(string prefix, Action<string> onEvent, CancellationToken cancellationToken)
    {
        var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var call = _watch.Watch(cancellationToken: stop.Token);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest { Key = ByteString.CopyFromUtf8(prefix), RangeEnd = PrefixEnd(prefix), PrevKv = true },
        }, cancellationToken);
        if (!await call.ResponseStream.MoveNext(cancellationToken) || !call.ResponseStream.Current.Created)
        {
            throw new InvalidOperationException("etcd did not create the watch");
        }

        var loop = Task.Run(async () =>
        {
            using (call)
            {
                while (await call.ResponseStream.MoveNext(stop.Token))
                {
                    foreach (var e in call.ResponseStream.Current.Events)
                    {
                        onEvent(e.Kv.Key.ToStringUtf8());
                    }
                }
            }
        });
        return new BackgroundLoop(loop, stop);
    }

    public long PeakRssBytes() => ProcessMemory.PeakRssBytes(_etcd.Pid);

    public async ValueTask DisposeAsync()
    {
        _client.Dispose();
        _channel.Dispose();
        await _etcd.DisposeAsync();
    }

    private static ByteString PrefixEnd(string prefix)
    {
        var bytes = System.Text.Encoding.UTF8.GetBytes(prefix);
        bytes[^1]++;
        return ByteString.CopyFrom(bytes);
    }
}
