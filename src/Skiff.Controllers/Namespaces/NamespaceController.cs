using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Informers;
using Skiff.Client.Queue;

namespace Skiff.Controllers.Namespaces;

/// <summary>
/// Upstream's namespace controller: every namespace being deleted is emptied by <see cref="NamespacedResourcesDeleter"/>
/// and finalized. While content is still going (pods terminating gracefully, finalizers at work) the namespace comes
/// back after half the estimate plus a second, as upstream; a pod of a terminating namespace going away brings it
/// back at once, so a namespace goes as soon as its pods have stopped.
/// </summary>
public sealed class NamespaceController : IDisposable
{
    private readonly ILogger _logger;
    private readonly SharedInformer<V1Namespace> _namespaces;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly NamespacedResourcesDeleter _deleter;
    private readonly List<IHandlerRegistration> _registrations = [];

    public NamespaceController(ComponentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _logger = context.Loggers.CreateLogger("Skiff.Controllers.Namespaces");
        _namespaces = context.Informers.Get<V1Namespace>();
        _pods = context.Informers.Get<V1Pod>();
        _deleter = new NamespacedResourcesDeleter(context.Api, _pods.Cache, context.Time, _logger);
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(context.Time), context.Time, "namespace");
        _registrations.Add(_namespaces.AddEventHandler(new ResourceEventHandler<V1Namespace>
        {
            Added = (ns, _) => EnqueueIfDeleting(ns),
            Updated = (_, ns) => EnqueueIfDeleting(ns),
        }));
        _registrations.Add(_pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Deleted = (pod, _) =>
            {
                if (_namespaces.Cache.Get(null, pod.Metadata.NamespaceProperty) is { } ns)
                {
                    EnqueueIfDeleting(ns);
                }
            },
        }));
    }

    public WorkQueue<string> Queue { get; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_namespaces.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken));
        await QueueWorkers.RunAsync(Queue, workers, SyncAsync, _logger, cancellationToken);
    }

    /// <summary>One deletion pass over namespace <paramref name="key"/>; throws when some content could not be
    /// deleted (the queue retries with back-off).</summary>
    public async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var estimate = await _deleter.DeleteAsync(key, cancellationToken);
        if (estimate > 0)
        {
            Queue.AddAfter(key, TimeSpan.FromSeconds((estimate / 2) + 1));
        }
    }

    private void EnqueueIfDeleting(V1Namespace ns)
    {
        if (ns.Metadata.DeletionTimestamp is not null)
        {
            Queue.Add(ns.Metadata.Name);
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        Queue.Dispose();
    }
}
