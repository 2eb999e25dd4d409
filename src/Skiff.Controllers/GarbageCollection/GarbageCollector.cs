using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Informers;
using Skiff.Client.Queue;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.GarbageCollection;

/// <summary>
/// The garbage collector (upstream's pkg/controller/garbagecollector) over the ownerReference graph the shared
/// caches' owner index gives: an object all of whose owners are gone is deleted (background); an owner deleted with
/// <c>propagationPolicy=Foreground</c> (finalizer <c>foregroundDeletion</c>) has its dependents deleted first and
/// keeps its finalizer until none is left; one deleted with <c>Orphan</c> (finalizer <c>orphan</c>) has its
/// dependents' references to it removed, then its finalizer. An owner the cache does not show is looked up live
/// before its dependents are collected (the dependent may simply have been seen first).
/// </summary>
public sealed class GarbageCollector : IDisposable
{
    public const string ForegroundFinalizer = "foregroundDeletion";
    public const string OrphanFinalizer = "orphan";

    private readonly ILogger _logger;
    private readonly Dictionary<string, IGarbageKind> _kinds = new(StringComparer.Ordinal);
    private readonly List<IHandlerRegistration> _registrations = [];
    private readonly AbsentOwnerCache _absentOwners = new(AbsentOwnerCache.DefaultCapacity);

    public GarbageCollector(ComponentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _logger = context.Loggers.CreateLogger("Skiff.Controllers.GarbageCollector");
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(context.Time), context.Time, "garbage-collector");
        Add<V1Pod>(context);
        Add<V1ReplicaSet>(context);
        Add<V1ReplicationController>(context);
        Add<V1Deployment>(context);
        Add<V1DaemonSet>(context);
        Add<V1Job>(context);
        Add<V1ConfigMap>(context);
        Add<V1Secret>(context);
        Add<V1Service>(context);
        Add<V1Endpoints>(context);
        Add<V1ServiceAccount>(context);
        Add<V1StatefulSet>(context);
        Add<V1ControllerRevision>(context);
        Add<V1PersistentVolumeClaim>(context);
    }

    /// <summary>Items are <c>apiVersion|Kind|namespace/name</c>.</summary>
    public WorkQueue<string> Queue { get; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_kinds.Values.Select(k => k.WaitForSyncAsync(cancellationToken)));
        await QueueWorkers.RunAsync(Queue, workers, SyncAsync, _logger, cancellationToken);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        Queue.Dispose();
    }

    private void Add<T>(ComponentContext context)
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var kind = new GarbageKind<T>(context.Api, context.Informers.Get<T>());
        _kinds[$"{kind.ApiVersion}|{kind.Kind}"] = kind;
        _registrations.Add(kind.Informer.AddEventHandler(new ResourceEventHandler<T>
        {
            Added = (o, _) => OnChange(kind, o.Metadata),
            Updated = (old, o) =>
            {
                if (MayChangeCollection(old.Metadata, o.Metadata))
                {
                    OnChange(kind, o.Metadata);
                }
            },
            Deleted = (o, _) => OnDeleted(o.Metadata),
        }));
    }

    private static string Item(IGarbageKind kind, V1ObjectMeta meta) => $"{kind.ApiVersion}|{kind.Kind}|{ObjectKeys.Of(meta.NamespaceProperty, meta.Name)}";

    private void OnChange(IGarbageKind kind, V1ObjectMeta meta)
    {
        if (meta.OwnerReferences is { Count: > 0 } || HasGcFinalizer(meta))
        {
            Queue.Add(Item(kind, meta));
        }
    }

    private void OnDeleted(V1ObjectMeta meta)
    {
        // Its dependents may now be orphans; an owner waiting in foreground deletion may now be free.
        foreach (var kind in _kinds.Values)
        {
            foreach (var dependent in kind.DependentsOf(meta.Uid))
            {
                Queue.Add(Item(kind, dependent));
            }
        }

        foreach (var owner in meta.OwnerReferences ?? [])
        {
            if (_kinds.TryGetValue($"{owner.ApiVersion}|{owner.Kind}", out var ownerKind))
            {
                Queue.Add($"{ownerKind.ApiVersion}|{ownerKind.Kind}|{ObjectKeys.Of(meta.NamespaceProperty, owner.Name)}");
            }
        }
    }

    /// <summary>Whether an update can change what the collector does with the object: its owners (or how they are
    /// referenced), its deletion or its finalizers. As upstream's graph builder, other updates (a pod's status
    /// writes) are not looked at again: the owners were checked when the object was added, and an owner's deletion
    /// queues its dependents.</summary>
    internal static bool MayChangeCollection(V1ObjectMeta old, V1ObjectMeta meta) =>
        (old.DeletionTimestamp is null) != (meta.DeletionTimestamp is null)
        || !(old.Finalizers ?? []).SequenceEqual(meta.Finalizers ?? [], StringComparer.Ordinal)
        || !(old.OwnerReferences ?? []).SequenceEqual(meta.OwnerReferences ?? [], OwnerReferenceComparer.Instance);

    private static bool HasGcFinalizer(V1ObjectMeta meta) =>
        meta.DeletionTimestamp is not null && meta.Finalizers?.Any(f => f is ForegroundFinalizer or OrphanFinalizer) == true;

    public async Task SyncAsync(string item, CancellationToken cancellationToken)
    {
        var parts = item.Split('|', 3);
        if (parts.Length != 3 || !_kinds.TryGetValue($"{parts[0]}|{parts[1]}", out var kind))
        {
            return;
        }

        var (ns, name) = ObjectKeys.Split(parts[2]);
        var meta = kind.Cached(ns, name);
        if (meta is null)
        {
            return;
        }

        if (meta.DeletionTimestamp is not null && meta.Finalizers?.Contains(OrphanFinalizer) == true)
        {
            await OrphanDependentsAsync(kind, meta, cancellationToken);
            return;
        }

        if (meta.DeletionTimestamp is not null && meta.Finalizers?.Contains(ForegroundFinalizer) == true)
        {
            await DeleteDependentsFirstAsync(kind, meta, cancellationToken);
            return;
        }

        if (meta.OwnerReferences is not { Count: > 0 } owners || meta.DeletionTimestamp is not null)
        {
            return;
        }

        var absent = new List<V1OwnerReference>();
        var waitingInForeground = false;
        foreach (var owner in owners)
        {
            var state = await OwnerStateAsync(meta, owner, cancellationToken);
            if (state is null)
            {
                absent.Add(owner);
            }
            else if (state.DeletionTimestamp is not null && state.Finalizers?.Contains(ForegroundFinalizer) == true)
            {
                waitingInForeground = true;
            }
        }

        if (absent.Count == owners.Count)
        {
            _logger.LogDebug("collecting {Item}: every owner is gone", item);
            await kind.DeleteAsync(meta, "Background", cancellationToken);
        }
        else if (absent.Count > 0)
        {
            // Some owners remain: only the references to the gone ones are dropped.
            var remaining = owners.Where(o => !absent.Contains(o)).ToList();
            await kind.PatchAsync(meta, ReferencesPatch(meta, remaining), cancellationToken);
        }
        else if (waitingInForeground)
        {
            // The owner is being deleted in the foreground: this dependent goes first.
            await kind.DeleteAsync(meta, "Foreground", cancellationToken);
        }
    }

    /// <summary>The owner's metadata, or null when no object with its uid exists (cache first, then the API).</summary>
    private async Task<V1ObjectMeta?> OwnerStateAsync(V1ObjectMeta dependent, V1OwnerReference owner, CancellationToken cancellationToken)
    {
        if (!_kinds.TryGetValue($"{owner.ApiVersion}|{owner.Kind}", out var ownerKind))
        {
            return new V1ObjectMeta { Uid = owner.Uid }; // a kind this collector does not know: never collect for it
        }

        var cached = ownerKind.Cached(dependent.NamespaceProperty, owner.Name);
        if (cached?.Uid == owner.Uid)
        {
            return cached;
        }

        // Namespaced with the dependent: a namespaced dependent's owner is looked up in its namespace (upstream keys
        // its cache the same way, so that a wrong reference in one namespace says nothing about another).
        if (_absentOwners.Contains(dependent.NamespaceProperty, owner.Uid))
        {
            return null;
        }

        var live = await ownerKind.GetLiveAsync(dependent.NamespaceProperty, owner.Name, cancellationToken);
        if (live?.Uid == owner.Uid)
        {
            return live;
        }

        _absentOwners.Add(dependent.NamespaceProperty, owner.Uid);
        return null;
    }

    private List<(IGarbageKind Kind, V1ObjectMeta Meta)> Dependents(string uid) =>
        _kinds.Values.SelectMany(k => k.DependentsOf(uid).Select(m => (k, m))).ToList();

    private async Task OrphanDependentsAsync(IGarbageKind kind, V1ObjectMeta owner, CancellationToken cancellationToken)
    {
        foreach (var (dependentKind, dependent) in Dependents(owner.Uid))
        {
            await dependentKind.PatchAsync(dependent, OwnershipPatches.Release(dependent, owner.Uid), cancellationToken);
        }

        await RemoveFinalizerAsync(kind, owner, OrphanFinalizer, cancellationToken);
    }

    private async Task DeleteDependentsFirstAsync(IGarbageKind kind, V1ObjectMeta owner, CancellationToken cancellationToken)
    {
        var dependents = Dependents(owner.Uid);
        foreach (var (dependentKind, dependent) in dependents.Where(d => d.Meta.DeletionTimestamp is null))
        {
            await dependentKind.DeleteAsync(dependent, "Foreground", cancellationToken);
        }

        // Only dependents that block the owner's deletion hold it back (upstream's blockOwnerDeletion).
        var blocking = dependents.Count(d => d.Meta.OwnerReferences?.Any(o => o.Uid == owner.Uid && o.BlockOwnerDeletion == true) == true);
        if (blocking == 0)
        {
            await RemoveFinalizerAsync(kind, owner, ForegroundFinalizer, cancellationToken);
        }
    }

    private static async Task RemoveFinalizerAsync(IGarbageKind kind, V1ObjectMeta meta, string finalizer, CancellationToken cancellationToken)
    {
        var finalizers = new JsonArray([.. (meta.Finalizers ?? []).Where(f => f != finalizer).Select(f => (JsonNode?)JsonValue.Create(f))]);
        var body = new JsonObject
        {
            ["metadata"] = new JsonObject { ["finalizers"] = finalizers, ["uid"] = meta.Uid, ["resourceVersion"] = meta.ResourceVersion },
        };
        await kind.PatchAsync(meta, ApiPatch.Merge(body.ToJsonString()), cancellationToken);
    }

    private static ApiPatch ReferencesPatch(V1ObjectMeta meta, List<V1OwnerReference> remaining)
    {
        var patch = OwnershipPatches.Release(new V1ObjectMeta { OwnerReferences = remaining, Uid = meta.Uid, ResourceVersion = meta.ResourceVersion }, string.Empty);
        return patch;
    }

    private sealed class OwnerReferenceComparer : IEqualityComparer<V1OwnerReference>
    {
        public static readonly OwnerReferenceComparer Instance = new();

        public bool Equals(V1OwnerReference? x, V1OwnerReference? y) =>
            x?.Uid == y?.Uid && x?.ApiVersion == y?.ApiVersion && x?.Kind == y?.Kind && x?.Name == y?.Name
            && x?.Controller == y?.Controller && x?.BlockOwnerDeletion == y?.BlockOwnerDeletion;

        public int GetHashCode(V1OwnerReference obj) => HashCode.Combine(obj.Uid, obj.ApiVersion, obj.Kind, obj.Name);
    }
}
