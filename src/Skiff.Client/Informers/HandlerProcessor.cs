using System.Threading.Channels;
using Microsoft.Extensions.Logging;

namespace Skiff.Client.Informers;

/// <summary>
/// Delivers notifications to one handler from its own unbounded queue, so that a slow handler delays nobody else
/// (client-go's processorListener). Notifications are queued under the informer's lock, in cache order.
/// </summary>
internal sealed class HandlerProcessor<T> : IHandlerRegistration
    where T : class
{
    private readonly Channel<Notification> _queue = Channel.CreateUnbounded<Notification>(new UnboundedChannelOptions { SingleReader = true });
    private readonly IResourceEventHandler<T> _handler;
    private readonly Action<HandlerProcessor<T>> _remove;
    private readonly ILogger _logger;
    private readonly TaskCompletionSource _synced = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public HandlerProcessor(IResourceEventHandler<T> handler, TimeSpan? resyncPeriod, Action<HandlerProcessor<T>> remove, ILogger logger)
    {
        _handler = handler;
        ResyncPeriod = resyncPeriod;
        _remove = remove;
        _logger = logger;
    }

    public TimeSpan? ResyncPeriod { get; }

    public bool HasSynced => _synced.Task.IsCompleted;

    public Task WaitForSyncAsync(CancellationToken cancellationToken) => _synced.Task.WaitAsync(cancellationToken);

    /// <summary>Set when the notifications up to the end of the initial list have been queued.</summary>
    public bool SyncMarkerQueued { get; private set; }

    public void Add(T obj, bool initial) => _queue.Writer.TryWrite(new Notification(Kind.Add, null, obj, initial));

    public void Update(T oldObj, T newObj) => _queue.Writer.TryWrite(new Notification(Kind.Update, oldObj, newObj, false));

    public void Delete(T obj, bool finalStateUnknown) => _queue.Writer.TryWrite(new Notification(Kind.Delete, null, obj, finalStateUnknown));

    public void QueueSyncMarker()
    {
        SyncMarkerQueued = true;
        _queue.Writer.TryWrite(new Notification(Kind.Synced, null, null, false));
    }

    public void Complete() => _queue.Writer.TryComplete();

    public void Dispose()
    {
        _remove(this);
        Complete();
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        try
        {
            await foreach (var n in _queue.Reader.ReadAllAsync(cancellationToken))
            {
                try
                {
                    switch (n.What)
                    {
                        case Kind.Add:
                            _handler.OnAdd(n.New!, n.Flag);
                            break;
                        case Kind.Update:
                            _handler.OnUpdate(n.Old!, n.New!);
                            break;
                        case Kind.Delete:
                            _handler.OnDelete(n.New!, n.Flag);
                            break;
                        case Kind.Synced:
                            _synced.TrySetResult();
                            break;
                    }
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    // A handler's bug must not stop the deliveries to it (client-go recovers handler panics).
                    _logger.LogError(e, "an event handler of {Type} failed", typeof(T).Name);
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private enum Kind
    {
        Add,
        Update,
        Delete,
        Synced,
    }

    private sealed record Notification(Kind What, T? Old, T? New, bool Flag);
}
