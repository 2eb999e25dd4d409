using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Api.Json;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Informers;
using Skiff.Client.Queue;

namespace Skiff.Networking.EndpointSlices;

/// <summary>
/// Keeps the core/v1 Endpoints object of every Service with a selector (kube-controller-manager's endpoints
/// controller; still read by <c>kubectl get endpoints</c> and older clients). Endpoints of a Service that is gone
/// are deleted; Endpoints of selector-less Services belong to their users and are not touched.
/// </summary>
public sealed class EndpointsController
{
    private readonly ComponentContext _context;
    private readonly SharedInformer<V1Service> _services;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly SharedInformer<V1Endpoints> _endpoints;
    private readonly ILogger _logger;

    public EndpointsController(ComponentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _context = context;
        _services = context.Informers.Get<V1Service>();
        _pods = context.Informers.Get<V1Pod>();
        _endpoints = context.Informers.Get<V1Endpoints>();
        _logger = context.Loggers.CreateLogger("Skiff.Networking.EndpointsController");
    }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        using var queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_context.Time), _context.Time, "endpoints");
        using var services = _services.AddEventHandler(ResourceEventHandler<V1Service>.ForAny(s => queue.Add(ObjectKeys.Of(s))));
        using var pods = _pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Added = (p, _) => Enqueue(queue, p),
            Updated = (o, n) =>
            {
                Enqueue(queue, o);
                Enqueue(queue, n);
            },
            Deleted = (p, _) => Enqueue(queue, p),
        });
        using var endpoints = _endpoints.AddEventHandler(new ResourceEventHandler<V1Endpoints> { Deleted = (e, _) => queue.Add(ObjectKeys.Of(e)) });
        _context.Informers.Start(cancellationToken);
        await Task.WhenAll(
            _services.WaitForSyncAsync(cancellationToken),
            _pods.WaitForSyncAsync(cancellationToken),
            _endpoints.WaitForSyncAsync(cancellationToken));
        _logger.LogInformation("endpoints controller started");
        await QueueWorkers.RunAsync(queue, workers, SyncAsync, _logger, cancellationToken);
    }

    internal async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var (ns, name) = ObjectKeys.Split(key);
        var service = _services.Cache.Get(ns, name);
        var current = _endpoints.Cache.Get(ns, name);
        if (service is null)
        {
            if (current is not null)
            {
                // As upstream: a Service's Endpoints go with it.
                await DeleteAsync(ns, name, cancellationToken);
            }

            return;
        }

        if (!ServiceEndpoints.HasSelector(service))
        {
            return;
        }

        var pods = _pods.Cache.ByIndex(Indexers.Namespace, ns ?? string.Empty)
            .Where(p => p.Metadata.Labels is { } labels && service.Spec.Selector.All(kv => labels.TryGetValue(kv.Key, out var v) && v == kv.Value));
        var (subsets, over) = EndpointsBuilder.Subsets(service, pods);
        var labels = ServiceEndpoints.InheritedLabels(service);
        var wanted = current is null ? new V1Endpoints
        {
            ApiVersion = "v1",
            Kind = "Endpoints",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        } : ObjectCopy.Clone(current);
        wanted.Metadata.Labels = labels;
        wanted.Subsets = subsets;
        var annotations = new Dictionary<string, string>(wanted.Metadata.Annotations ?? new Dictionary<string, string>(), StringComparer.Ordinal);
        if (over)
        {
            annotations[EndpointSliceLabels.OverCapacity] = "truncated";
        }
        else
        {
            annotations.Remove(EndpointSliceLabels.OverCapacity);
        }

        wanted.Metadata.Annotations = annotations.Count > 0 ? annotations : null;
        if (current is not null && Same(current, wanted))
        {
            return;
        }

        if (current is null)
        {
            try
            {
                await _context.Api.CreateAsync(wanted, cancellationToken);
            }
            catch (ApiException e) when (e.IsAlreadyExists)
            {
                // Made by someone else or our cache is behind: the update comes with the watch event.
            }
        }
        else
        {
            await _context.Api.UpdateAsync(wanted, cancellationToken);
        }
    }

    private async Task DeleteAsync(string? ns, string name, CancellationToken cancellationToken)
    {
        try
        {
            await _context.Api.DeleteAsync<V1Endpoints>(ns, name, null, cancellationToken);
        }
        catch (ApiException e) when (e.IsNotFound)
        {
        }
    }

    private void Enqueue(WorkQueue<string> queue, V1Pod pod)
    {
        foreach (var key in ServiceSelection.ServicesOf(pod, _services.Cache))
        {
            queue.Add(key);
        }
    }

    private static bool Same(V1Endpoints a, V1Endpoints b) =>
        ModelJson.Serialize(a.Subsets ?? []).AsSpan().SequenceEqual(ModelJson.Serialize(b.Subsets ?? []))
        && SameMap(a.Metadata.Labels, b.Metadata.Labels)
        && SameMap(a.Metadata.Annotations, b.Metadata.Annotations);

    private static bool SameMap(IDictionary<string, string>? a, IDictionary<string, string>? b) =>
        (a?.Count ?? 0) == (b?.Count ?? 0) && (a ?? new Dictionary<string, string>()).All(kv => b!.TryGetValue(kv.Key, out var v) && v == kv.Value);
}
