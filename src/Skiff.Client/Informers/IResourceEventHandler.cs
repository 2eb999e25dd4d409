namespace Skiff.Client.Informers;

/// <summary>
/// What an informer tells a consumer, in order, one call at a time per handler (client-go's
/// ResourceEventHandler). Handlers should be quick: enqueue a key and return. Objects are the cache's: never change
/// them.
/// </summary>
public interface IResourceEventHandler<in T>
{
    /// <param name="isInInitialList">True for the objects of the first list (or of the cache when the handler was
    /// added to a running informer).</param>
    void OnAdd(T obj, bool isInInitialList);

    /// <summary>A change; also a periodic resync, where <paramref name="oldObj"/> and <paramref name="newObj"/> are
    /// the same object.</summary>
    void OnUpdate(T oldObj, T newObj);

    /// <param name="finalStateUnknown">True when the deletion was noticed by a re-list rather than a watch event: the
    /// object is the last state the cache held (client-go's DeletedFinalStateUnknown).</param>
    void OnDelete(T obj, bool finalStateUnknown);
}

/// <summary>A handler made of delegates; any may be null.</summary>
public sealed class ResourceEventHandler<T> : IResourceEventHandler<T>
{
    public Action<T, bool>? Added { get; init; }

    public Action<T, T>? Updated { get; init; }

    public Action<T, bool>? Deleted { get; init; }

    /// <summary>A handler that calls <paramref name="onAny"/> with the (new) object for every notification, the
    /// usual shape for a controller that enqueues keys.</summary>
    public static ResourceEventHandler<T> ForAny(Action<T> onAny)
    {
        ArgumentNullException.ThrowIfNull(onAny);
        return new ResourceEventHandler<T>
        {
            Added = (o, _) => onAny(o),
            Updated = (_, n) => onAny(n),
            Deleted = (o, _) => onAny(o),
        };
    }

    public void OnAdd(T obj, bool isInInitialList) => Added?.Invoke(obj, isInInitialList);

    public void OnUpdate(T oldObj, T newObj) => Updated?.Invoke(oldObj, newObj);

    public void OnDelete(T obj, bool finalStateUnknown) => Deleted?.Invoke(obj, finalStateUnknown);
}

/// <summary>A handler's registration on an informer; dispose to remove the handler.</summary>
public interface IHandlerRegistration : IDisposable
{
    /// <summary>True once the handler has been given every object of the initial list.</summary>
    bool HasSynced { get; }

    /// <summary>Completes once the handler has been given every object of the initial list (client-go's
    /// WaitForCacheSync on a registration), so a consumer can act on "everything I was told is all there is".</summary>
    Task WaitForSyncAsync(CancellationToken cancellationToken);
}
