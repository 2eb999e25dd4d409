using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Api.Quota;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Informers;
using Skiff.Client.Queue;

namespace Skiff.Controllers.ResourceQuota;

/// <summary>
/// Upstream's resource quota controller (pkg/controller/resourcequota): keeps each ResourceQuota's
/// <c>status.hard</c> equal to its spec and <c>status.used</c> the sum of what the namespace's objects use of each
/// hard resource (zero when nothing does). A quota is counted when it is created or its hard limits change, when an
/// object of a counted kind in its namespace is deleted or a pod finishes (replenishment), and on a full resync every
/// five minutes; creates are charged by the ResourceQuota admission plugin, not recounted here, as upstream. Counted kinds: pods, services, configmaps, secrets, resourcequotas and
/// the apps and batch workloads (<c>count/deployments.apps</c>...).
/// </summary>
public sealed class ResourceQuotaController : IDisposable
{
    /// <summary>Upstream's --resource-quota-sync-period default.</summary>
    public static readonly TimeSpan FullResync = TimeSpan.FromMinutes(5);

    private readonly IApiClient _api;
    private readonly ILogger _logger;
    private readonly SharedInformer<V1ResourceQuota> _quotas;
    private readonly List<TrackedKind> _kinds = [];
    private readonly List<IHandlerRegistration> _registrations = [];

    public ResourceQuotaController(ComponentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _api = context.Api;
        _logger = context.Loggers.CreateLogger("Skiff.Controllers.ResourceQuota");
        _quotas = context.Informers.Get<V1ResourceQuota>();
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(context.Time), context.Time, "resourcequota");
        _registrations.Add(_quotas.AddEventHandler(
            new ResourceEventHandler<V1ResourceQuota>
            {
                Added = (q, _) => Queue.Add(ObjectKeys.Of(q)),

                // Not on status writes: admission charges usage there and a recount from caches that have not seen
                // the new object yet would take the charge back. On a spec change and on the periodic resync.
                Updated = (old, q) =>
                {
                    if (old.Metadata.ResourceVersion == q.Metadata.ResourceVersion || !Quantities.Equal(old.Spec?.Hard, q.Spec?.Hard)
                        || !Quantities.Equal(q.Status?.Hard, q.Spec?.Hard))
                    {
                        Queue.Add(ObjectKeys.Of(q));
                    }
                },
            },
            FullResync));
        Track(context.Informers.Get<V1Pod>(), string.Empty, "pods");
        Track(context.Informers.Get<V1Service>(), string.Empty, "services");
        Track(context.Informers.Get<V1ConfigMap>(), string.Empty, "configmaps");
        Track(context.Informers.Get<V1Secret>(), string.Empty, "secrets");
        _kinds.Add(TrackedKind.For(_quotas, string.Empty, "resourcequotas"));
        Track(context.Informers.Get<V1Deployment>(), "apps", "deployments");
        Track(context.Informers.Get<V1ReplicaSet>(), "apps", "replicasets");
        Track(context.Informers.Get<V1StatefulSet>(), "apps", "statefulsets");
        Track(context.Informers.Get<V1DaemonSet>(), "apps", "daemonsets");
        Track(context.Informers.Get<V1Job>(), "batch", "jobs");
        Track(context.Informers.Get<V1CronJob>(), "batch", "cronjobs");
    }

    public WorkQueue<string> Queue { get; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await _quotas.WaitForSyncAsync(cancellationToken);
        await Task.WhenAll(_kinds.Select(k => k.WaitForSyncAsync(cancellationToken)));
        await QueueWorkers.RunAsync(Queue, workers, SyncAsync, _logger, cancellationToken);
    }

    public async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var quota = _quotas.Cache.GetByKey(key);
        if (quota is null)
        {
            return;
        }

        var status = new V1ResourceQuotaStatus
        {
            Hard = new Dictionary<string, ResourceQuantity>(quota.Spec?.Hard ?? new Dictionary<string, ResourceQuantity>(), StringComparer.Ordinal),
            Used = Usage(quota),
        };
        if (Quantities.Equal(quota.Status?.Hard, status.Hard) && Quantities.Equal(quota.Status?.Used, status.Used))
        {
            return;
        }

        var copy = ObjectCopy.Clone(quota);
        copy.Status = status;
        try
        {
            await _api.UpdateStatusAsync(copy, cancellationToken);
        }
        catch (ApiException e) when (e.IsNotFound)
        {
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

    /// <summary>What the quota's namespace uses of each of its hard resources.</summary>
    internal Dictionary<string, ResourceQuantity> Usage(V1ResourceQuota quota)
    {
        var hard = quota.Spec?.Hard ?? new Dictionary<string, ResourceQuantity>();
        var ns = quota.Metadata.NamespaceProperty;
        var totals = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        foreach (var kind in _kinds)
        {
            foreach (var obj in kind.ObjectsIn(ns))
            {
                if (!Selects(quota, obj))
                {
                    continue;
                }

                var usage = QuotaUsage.Of(kind.Group, kind.Plural, obj);
                totals = Quantities.Add(totals, usage.Where(u => hard.ContainsKey(u.Key)).ToDictionary(u => u.Key, u => u.Value, StringComparer.Ordinal));
            }
        }

        var used = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        foreach (var name in hard.Keys)
        {
            used[name] = totals.TryGetValue(name, out var q) ? q : new ResourceQuantity("0");
        }

        return used;
    }

    /// <summary>A quota with scopes counts only the pods matching all of them.</summary>
    private static bool Selects(V1ResourceQuota quota, IKubernetesObject<V1ObjectMeta> obj)
    {
        var scopes = quota.Spec?.Scopes ?? [];
        return scopes.Count == 0 || (obj is V1Pod pod && scopes.All(s => QuotaUsage.MatchesScope(pod, s)));
    }

    private void Track<T>(SharedInformer<T> informer, string group, string plural)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        _kinds.Add(TrackedKind.For(informer, group, plural));
        // Replenishment, as upstream: what a deleted object or a pod that finished gave back. Additions are charged
        // by admission; the periodic resync catches anything else.
        _registrations.Add(informer.AddEventHandler(new ResourceEventHandler<T>
        {
            Updated = (old, obj) =>
            {
                if (old is V1Pod before && obj is V1Pod after && QuotaUsage.IsTerminal(after) && !QuotaUsage.IsTerminal(before))
                {
                    EnqueueQuotasOf(obj);
                }
            },
            Deleted = (obj, _) => EnqueueQuotasOf(obj),
        }));
    }

    private void EnqueueQuotasOf(IKubernetesObject<V1ObjectMeta> obj)
    {
        foreach (var quota in _quotas.Cache.List(obj.Metadata.NamespaceProperty))
        {
            Queue.Add(ObjectKeys.Of(quota));
        }
    }
}
