using System.Runtime.CompilerServices;
using System.Threading.Channels;
using Etcdserverpb;
using Grpc.Core;

namespace Skiff.Storage.Etcd;

/// <summary>
/// Watch: one etcd watch stream per call, pumped into a bounded buffer like the other backends (a watcher that falls
/// too far behind is ended with Unavailable), resumed from the last revision seen when the stream breaks.
/// </summary>
public sealed partial class EtcdStore
{
    public async Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken)
    {
        // etcd has no call that returns the compacted revision. A range at etcd revision 1 fails only once something was
        // compacted; then a watch from revision 1 is refused at once with the compacted revision.
        try
        {
            await CallAsync(string.Empty, o => _kv.RangeAsync(new RangeRequest { Key = EtcdKeys.Start(string.Empty), Revision = 1, CountOnly = true }, o), cancellationToken, repeatable: true);
            return 0;
        }
        catch (StorageException e) when (e.Code == StorageErrorCode.Compacted)
        {
        }

        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(_options.RequestTimeout);
        using var call = _watch.Watch(cancellationToken: timeout.Token);
        await call.RequestStream.WriteAsync(new WatchRequest
        {
            CreateRequest = new WatchCreateRequest { Key = EtcdKeys.Start(string.Empty), StartRevision = 1 },
        }, timeout.Token);
        try
        {
            while (await call.ResponseStream.MoveNext(timeout.Token))
            {
                if (call.ResponseStream.Current.CompactRevision > 0)
                {
                    return EtcdRevision.ToSkiff(call.ResponseStream.Current.CompactRevision);
                }
            }
        }
        catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled || !cancellationToken.IsCancellationRequested)
        {
            throw EtcdErrors.Translate(e, string.Empty);
        }

        throw new StorageException(StorageErrorCode.Unavailable, string.Empty, "etcd did not report its compacted revision");
    }

    public async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(prefix);
        ThrowIfDisposed();

        // Skiff refuses a watch from below the compacted revision; etcd would still accept one from just below it. A
        // range at afterRevision fails exactly when afterRevision is below the compacted revision.
        if (afterRevision < await GetCurrentRevisionAsync(cancellationToken))
        {
            await CallAsync(prefix, o => _kv.RangeAsync(new RangeRequest { Key = EtcdKeys.Start(prefix), Revision = EtcdRevision.ToEtcd(afterRevision), CountOnly = true }, o), cancellationToken, repeatable: true);
        }

        var buffer = Channel.CreateBounded<WatchEvent>(new BoundedChannelOptions(_options.WatchBufferSize) { SingleReader = true, SingleWriter = true });
        using var stop = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, _closing.Token);
        var pump = PumpAsync(prefix, afterRevision, buffer.Writer, stop.Token);
        try
        {
            while (await buffer.Reader.WaitToReadAsync(cancellationToken))
            {
                while (buffer.Reader.TryRead(out var e))
                {
                    yield return e;
                }
            }
        }
        finally
        {
            await stop.CancelAsync();
            await pump;
        }
    }

    /// <summary>
    /// Reads etcd watch streams into <paramref name="buffer"/> until stopped, reconnecting after a broken stream from
    /// the last revision delivered. Never throws: failures complete the buffer.
    /// </summary>
    private async Task PumpAsync(string prefix, long afterRevision, ChannelWriter<WatchEvent> buffer, CancellationToken stop)
    {
        await Task.Yield();
        var last = afterRevision;
        while (true)
        {
            try
            {
                using var call = _watch.Watch(cancellationToken: stop);
                await call.RequestStream.WriteAsync(new WatchRequest
                {
                    CreateRequest = new WatchCreateRequest
                    {
                        Key = EtcdKeys.Start(prefix),
                        RangeEnd = EtcdKeys.RangeEnd(prefix),
                        StartRevision = EtcdRevision.ToEtcd(last) + 1,
                        PrevKv = true,
                    },
                }, stop);
                while (await call.ResponseStream.MoveNext(stop))
                {
                    var response = call.ResponseStream.Current;
                    if (response.CompactRevision > 0)
                    {
                        buffer.TryComplete(StorageErrors.Compacted(prefix, last, EtcdRevision.ToSkiff(response.CompactRevision)));
                        return;
                    }

                    if (response.Canceled)
                    {
                        buffer.TryComplete(new StorageException(StorageErrorCode.Unavailable, prefix, $"etcd ended the watch: {response.CancelReason}"));
                        return;
                    }

                    foreach (var e in response.Events)
                    {
                        var mapped = ToWatchEvent(e);
                        if (!buffer.TryWrite(mapped))
                        {
                            buffer.TryComplete(StorageErrors.WatcherTooSlow(prefix, _options.WatchBufferSize));
                            return;
                        }

                        last = mapped.Revision;
                    }
                }
            }
            catch (RpcException) when (stop.IsCancellationRequested)
            {
                EndStopped(buffer);
                return;
            }
            catch (OperationCanceledException) when (stop.IsCancellationRequested)
            {
                EndStopped(buffer);
                return;
            }
            catch (RpcException)
            {
                // The stream broke (member down, connection reset): resume from the last revision delivered.
            }

            try
            {
                await Task.Delay(_options.WatchRetryDelay, _time, stop);
            }
            catch (OperationCanceledException)
            {
                EndStopped(buffer);
                return;
            }
        }
    }

    private void EndStopped(ChannelWriter<WatchEvent> buffer) =>
        buffer.TryComplete(_closing.IsCancellationRequested ? StorageErrors.Closed() : null);

    private static WatchEvent ToWatchEvent(Mvccpb.Event e)
    {
        var kv = e.Kv;
        var previous = e.PrevKv;
        if (e.Type == Mvccpb.Event.Types.EventType.Delete)
        {
            return new WatchEvent(
                WatchEventType.Delete, kv.Key.ToStringUtf8(), ReadOnlyMemory<byte>.Empty, previous?.Value.Memory,
                EtcdRevision.ToSkiff(kv.ModRevision), previous is null ? 0 : EtcdRevision.ToSkiff(previous.CreateRevision));
        }

        return new WatchEvent(
            WatchEventType.Put, kv.Key.ToStringUtf8(), kv.Value.Memory, previous?.Value.Memory,
            EtcdRevision.ToSkiff(kv.ModRevision), EtcdRevision.ToSkiff(kv.CreateRevision));
    }
}
