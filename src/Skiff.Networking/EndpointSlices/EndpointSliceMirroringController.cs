using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Cache;
using Skiff.Client.Informers;
using Skiff.Client.Queue;

namespace Skiff.Networking.EndpointSlices;

/// <summary>
/// Mirrors the hand-written Endpoints of selector-less Services into EndpointSlices managed by
/// <c>endpointslicemirroring-controller.k8s.io</c>, so that the proxy and DNS, which read slices only, see them.
/// Mirrored slices are deleted when the Endpoints or the Service go, or the Service gains a selector.
/// </summary>
public sealed class EndpointSliceMirroringController
{
    private const string ServiceIndex = "mirrored-service";
    private readonly ComponentContext _context;
    private readonly SharedInformer<V1Service> _services;
    private readonly SharedInformer<V1Endpoints> _endpoints;
    private readonly SharedInformer<V1EndpointSlice> _slices;
    private readonly SliceWriter _writer;
    private readonly ILogger _logger;

    public EndpointSliceMirroringController(ComponentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _services = context.Informers.Get<V1Service>();
        _endpoints = context.Informers.Get<V1Endpoints>();
        _slices = context.Informers.Get<V1EndpointSlice>();
        _slices.AddIndexer(ServiceIndex, ServiceKeyOf);
        _writer = new SliceWriter(context.Api, _slices.Cache);
        _logger = context.Loggers.CreateLogger("Skiff.Networking.EndpointSliceMirroringController");
    }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        using var queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_context.Time), _context.Time, "endpointslicemirroring");
        using var services = _services.AddEventHandler(ResourceEventHandler<V1Service>.ForAny(s => queue.Add(ObjectKeys.Of(s))));
        using var endpoints = _endpoints.AddEventHandler(ResourceEventHandler<V1Endpoints>.ForAny(e => queue.Add(ObjectKeys.Of(e))));
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
            _endpoints.WaitForSyncAsync(cancellationToken),
            _slices.WaitForSyncAsync(cancellationToken));
        _logger.LogInformation("endpointslice mirroring controller started");
        await QueueWorkers.RunAsync(queue, workers, (key, ct) => SyncAsync(queue, key, ct), _logger, cancellationToken);
    }

    internal async Task SyncAsync(WorkQueue<string> queue, string key, CancellationToken cancellationToken)
    {
        var (ns, name) = ObjectKeys.Split(key);
        if (!_writer.CacheIsCurrent(key, ns ?? string.Empty))
        {
            queue.AddAfter(key, TimeSpan.FromMilliseconds(100));
            return;
        }

        var existing = _slices.Cache.ByIndex(ServiceIndex, key);
        var endpoints = _endpoints.Cache.Get(ns, name);
        var service = _services.Cache.Get(ns, name);
        var plan = EndpointsMirroring.ShouldMirror(endpoints, service)
            ? SliceReconciler.Plan(EndpointsMirroring.Owner(endpoints!), EndpointsMirroring.Groups(endpoints!), existing, placeholder: false)
            : new SlicePlan([], [], existing);
        if (!plan.IsEmpty)
        {
            await _writer.ApplyAsync(key, plan, cancellationToken);
        }
    }

    private static IEnumerable<string> ServiceKeyOf(V1EndpointSlice slice)
    {
        var labels = slice.Metadata.Labels;
        return labels is not null
            && labels.TryGetValue(EndpointSliceLabels.ManagedBy, out var manager) && manager == EndpointSliceLabels.MirroringControllerName
            && labels.TryGetValue(EndpointSliceLabels.ServiceName, out var service)
            ? [ObjectKeys.Of(slice.Metadata.NamespaceProperty, service)]
            : [];
    }
}
