using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Cache;
using Skiff.Client.Informers;
using Skiff.Client.Queue;

namespace Skiff.Networking.EndpointSlices;

/// <summary>
/// Keeps the EndpointSlices of every Service with a selector (kube-controller-manager's endpointslice controller):
/// one endpoint per selected pod with an IP, its ready/serving/terminating conditions, its ports resolved per pod,
/// hostname, node and zone, in slices of at most 100 labelled with the Service's name and this controller as
/// manager. Slices of Services that are gone or lost their selector are deleted; slices of other managers are not
/// touched.
/// </summary>
public sealed class EndpointSliceController
{
    private const string ServiceIndex = "service";
    private readonly ComponentContext _context;
    private readonly SharedInformer<V1Service> _services;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly SharedInformer<V1EndpointSlice> _slices;
    private readonly SharedInformer<V1Node> _nodes;
    private readonly SliceWriter _writer;
    private readonly ILogger _logger;

    public EndpointSliceController(ComponentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _services = context.Informers.Get<V1Service>();
        _pods = context.Informers.Get<V1Pod>();
        _slices = context.Informers.Get<V1EndpointSlice>();
        _nodes = context.Informers.Get<V1Node>();
        _slices.AddIndexer(ServiceIndex, ServiceKeyOf);
        _writer = new SliceWriter(context.Api, _slices.Cache);
        _logger = context.Loggers.CreateLogger("Skiff.Networking.EndpointSliceController");
    }

    /// <summary>Runs until cancelled with <paramref name="workers"/> concurrent syncs (upstream: 5).</summary>
    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        using var queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_context.Time), _context.Time, "endpointslice");
        using var services = _services.AddEventHandler(ResourceEventHandler<V1Service>.ForAny(s => queue.Add(ObjectKeys.Of(s))));
        using var pods = _pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Added = (p, _) => EnqueueServicesOf(queue, p),
            Updated = (o, n) =>
            {
                EnqueueServicesOf(queue, o);
                EnqueueServicesOf(queue, n);
            },
            Deleted = (p, _) => EnqueueServicesOf(queue, p),
        });
        using var slices = _slices.AddEventHandler(ResourceEventHandler<V1EndpointSlice>.ForAny(s =>
        {
            foreach (var key in ServiceKeyOf(s))
            {
                queue.Add(key);
            }
        }));
        _context.Informers.Start(cancellationToken);
        await Task.WhenAll(
            _services.WaitForSyncAsync(cancellationToken),
            _pods.WaitForSyncAsync(cancellationToken),
            _slices.WaitForSyncAsync(cancellationToken),
            _nodes.WaitForSyncAsync(cancellationToken));
        _logger.LogInformation("endpointslice controller started");
        await QueueWorkers.RunAsync(queue, workers, (key, ct) => SyncAsync(queue, key, ct), _logger, cancellationToken);
    }

    /// <summary>Brings the slices of the Service <paramref name="key"/> to what its pods say.</summary>
    internal async Task SyncAsync(WorkQueue<string> queue, string key, CancellationToken cancellationToken)
    {
        var (ns, name) = ObjectKeys.Split(key);
        if (!_writer.CacheIsCurrent(key, ns ?? string.Empty))
        {
            queue.AddAfter(key, TimeSpan.FromMilliseconds(100)); // our own writes are not in the cache yet
            return;
        }

        var existing = _slices.Cache.ByIndex(ServiceIndex, key);
        var service = _services.Cache.Get(ns, name);
        SlicePlan plan;
        if (service is null || !ServiceEndpoints.HasSelector(service))
        {
            plan = new SlicePlan([], [], existing);
        }
        else
        {
            var pods = _pods.Cache.ByIndex(Indexers.Namespace, ns ?? string.Empty)
                .Where(p => Selects(service.Spec.Selector, p.Metadata.Labels));
            var groups = ServiceEndpoints.Groups(service, pods, ZoneOf);
            var owner = new SliceOwner(
                ns ?? string.Empty,
                name,
                ServiceEndpoints.InheritedLabels(service),
                ServiceEndpoints.OwnerReference(service),
                EndpointSliceLabels.ControllerName,
                ServiceEndpoints.AddressTypes(service)[0]);
            plan = SliceReconciler.Plan(owner, groups, existing);
        }

        if (!plan.IsEmpty)
        {
            _logger.LogDebug("service {Key}: {Create} slices to create, {Update} to update, {Delete} to delete", key, plan.Create.Count, plan.Update.Count, plan.Delete.Count);
            await _writer.ApplyAsync(key, plan, cancellationToken);
        }
    }

    private string? ZoneOf(string nodeName) =>
        _nodes.Cache.Get(null, nodeName)?.Metadata.Labels?.TryGetValue(EndpointSliceLabels.Zone, out var zone) == true ? zone : null;

    private void EnqueueServicesOf(WorkQueue<string> queue, V1Pod pod)
    {
        foreach (var key in ServiceSelection.ServicesOf(pod, _services.Cache))
        {
            queue.Add(key);
        }
    }

    private static bool Selects(IDictionary<string, string> selector, IDictionary<string, string>? labels) =>
        labels is not null && selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value);

    /// <summary>The Service key of a slice this controller manages (none for other managers' slices).</summary>
    private static IEnumerable<string> ServiceKeyOf(V1EndpointSlice slice)
    {
        var labels = slice.Metadata.Labels;
        return labels is not null
            && labels.TryGetValue(EndpointSliceLabels.ManagedBy, out var manager) && manager == EndpointSliceLabels.ControllerName
            && labels.TryGetValue(EndpointSliceLabels.ServiceName, out var service)
            ? [ObjectKeys.Of(slice.Metadata.NamespaceProperty, service)]
            : [];
    }
}
