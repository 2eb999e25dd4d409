using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Cache;

namespace Skiff.Controllers.Namespaces;

/// <summary>
/// Upstream's namespacedResourcesDeleter: empties a terminating namespace of every namespaced resource discovery
/// names (built-in kinds and any added later), pods first, keeps the namespace's deletion conditions, and once
/// nothing is left removes the <c>kubernetes</c> finalizer through <c>namespaces/{name}/finalize</c> (after which the
/// API server removes the namespace).
/// </summary>
internal sealed class NamespacedResourcesDeleter(IApiClient api, IReadOnlyCache<V1Pod> pods, TimeProvider time, ILogger logger)
{
    public const string FinalizerToken = "kubernetes";

    /// <summary>How long to wait for content whose finalizers are still at work (upstream's guess).</summary>
    private const long FinalizerEstimateSeconds = 15;

    private static readonly ApiResource Pods = ApiResource.For<V1Pod>();

    /// <summary>One pass over namespace <paramref name="name"/>. Returns 0 when there is nothing more to do (gone,
    /// not terminating, or finalized), else the seconds content is expected to take to go; throws
    /// <see cref="NamespaceDeletionException"/> when deleting some content failed.</summary>
    public async Task<long> DeleteAsync(string name, CancellationToken cancellationToken)
    {
        var ns = await api.GetAsync<V1Namespace>(null, name, cancellationToken);
        if (ns?.Metadata.DeletionTimestamp is null)
        {
            return 0;
        }

        try
        {
            ns = await RetryOnConflictAsync(ns, MarkTerminatingAsync, cancellationToken);
            if (ns.Spec?.Finalizers is not { Count: > 0 })
            {
                return 0;
            }

            var estimate = await DeleteAllContentAsync(ns, cancellationToken);
            if (estimate > 0)
            {
                return estimate;
            }

            await RetryOnConflictAsync(ns, FinalizeAsync, cancellationToken);
            return 0;
        }
        catch (ApiException e) when (e.IsNotFound)
        {
            // Gone meanwhile (another controller sharing the token finished first).
            return 0;
        }
    }

    private async Task<V1Namespace> MarkTerminatingAsync(V1Namespace ns, CancellationToken cancellationToken)
    {
        if (ns.Status?.Phase == "Terminating")
        {
            return ns;
        }

        var copy = Client.ObjectCopy.Clone(ns);
        copy.Status ??= new V1NamespaceStatus();
        copy.Status.Phase = "Terminating";
        return await api.UpdateStatusAsync(copy, cancellationToken);
    }

    private async Task<V1Namespace> FinalizeAsync(V1Namespace ns, CancellationToken cancellationToken)
    {
        var copy = Client.ObjectCopy.Clone(ns);
        copy.Spec ??= new V1NamespaceSpec();
        copy.Spec.Finalizers = (ns.Spec?.Finalizers ?? []).Where(f => f != FinalizerToken).Distinct().Order(StringComparer.Ordinal).ToList();
        return await api.UpdateSubresourceAsync(copy, "finalize", cancellationToken);
    }

    /// <summary>Applies <paramref name="update"/>, reading the namespace again after a conflict (a namespace of the
    /// same name but another uid is not ours).</summary>
    private async Task<V1Namespace> RetryOnConflictAsync(V1Namespace ns, Func<V1Namespace, CancellationToken, Task<V1Namespace>> update, CancellationToken cancellationToken)
    {
        var latest = ns;
        while (true)
        {
            try
            {
                return await update(latest, cancellationToken);
            }
            catch (ApiException e) when (e.IsConflict)
            {
                var again = await api.GetAsync<V1Namespace>(null, latest.Metadata.Name, cancellationToken)
                    ?? throw new ApiException(System.Net.HttpStatusCode.NotFound, null, $"namespace {latest.Metadata.Name} is gone");
                if (again.Metadata.Uid != latest.Metadata.Uid)
                {
                    throw new NamespaceDeletionException("namespace uid has changed across retries");
                }

                latest = again;
            }
        }
    }

    private async Task<long> DeleteAllContentAsync(V1Namespace ns, CancellationToken cancellationToken)
    {
        var name = ns.Metadata.Name;
        var deletedAt = new DateTimeOffset(DateTime.SpecifyKind(ns.Metadata.DeletionTimestamp!.Value, DateTimeKind.Utc));
        var conditions = new NamespaceConditions(Whole(time.GetUtcNow()));
        var errors = new List<string>();
        IReadOnlyList<DiscoveredResource> resources = [];
        try
        {
            var discovery = await api.DiscoverAsync(cancellationToken);
            resources = discovery.Resources;
            if (discovery.FailedGroups.Count > 0)
            {
                // Not fatal: act on what was found, say what was not.
                var failures = string.Join(", ", discovery.FailedGroups.OrderBy(g => g.Key, StringComparer.Ordinal).Select(g => $"{g.Key}: {g.Value}"));
                var message = $"unable to retrieve the complete list of server APIs: {failures}";
                errors.Add(message);
                conditions.DiscoveryFailed($"Discovery failed for some groups, {discovery.FailedGroups.Count} failing: {message}");
            }
        }
        catch (ApiException e) when (!cancellationToken.IsCancellationRequested)
        {
            errors.Add(e.Message);
            conditions.DiscoveryFailed(e.Message);
        }

        var deletable = resources.Where(r => r.Resource.Namespaced && r.Supports("delete")).ToList();
        var estimate = 0L;
        var byResource = new Dictionary<string, int>(StringComparer.Ordinal);
        var byFinalizer = new Dictionary<string, int>(StringComparer.Ordinal);

        // Pods go first, and nothing else goes while they remain: what they use (secrets, config maps, service
        // accounts) stays until they stopped (upstream's OrderedNamespaceDeletion).
        var podsResource = deletable.FirstOrDefault(r => r.Resource.Group.Length == 0 && r.Resource.Plural == Pods.Plural);
        var ordered = podsResource is null ? deletable : [podsResource, .. deletable.Where(r => r != podsResource)];
        foreach (var resource in ordered)
        {
            var left = await DeleteAllOfResourceAsync(resource, name, deletedAt, cancellationToken);
            if (left.Error is { } error)
            {
                errors.Add(resource == podsResource ? $"failed to delete pods for namespace: {name}, err: {error}" : error);
                conditions.DeleteFailed(error);
            }

            estimate = Math.Max(estimate, left.EstimateSeconds);
            if (left.Remaining > 0)
            {
                byResource[$"{resource.Resource.Plural}.{resource.Resource.Group}"] = left.Remaining;
                foreach (var (finalizer, count) in left.Finalizers)
                {
                    byFinalizer[finalizer] = byFinalizer.GetValueOrDefault(finalizer) + count;
                }
            }

            if (resource == podsResource && left.Remaining > 0)
            {
                logger.LogDebug("namespace {Namespace}: pods remain, other content waits", name);
                break;
            }
        }

        conditions.ContentLeft(byResource, byFinalizer);
        if (conditions.ApplyTo(ns))
        {
            try
            {
                await api.UpdateStatusAsync(ns, cancellationToken);
            }
            catch (ApiException e) when (!cancellationToken.IsCancellationRequested)
            {
                logger.LogWarning("namespace {Namespace}: could not update its conditions: {Error}", name, e.Message);
            }
        }

        if (errors.Count > 0)
        {
            throw new NamespaceDeletionException(string.Join("; ", errors));
        }

        return estimate;
    }

    /// <summary>Deletes every object of one resource in the namespace (the collection at once where the resource
    /// supports it, else one by one) and says what is left.</summary>
    private async Task<ContentLeft> DeleteAllOfResourceAsync(DiscoveredResource resource, string ns, DateTimeOffset deletedAt, CancellationToken cancellationToken)
    {
        var estimate = EstimateGracefulTermination(resource.Resource, ns, deletedAt);
        var background = new V1DeleteOptions { PropagationPolicy = "Background" };
        try
        {
            var collectionDeleted = false;
            if (resource.Supports("deletecollection"))
            {
                try
                {
                    await api.DeleteCollectionAsync(resource.Resource, ns, background, cancellationToken);
                    collectionDeleted = true;
                }
                catch (ApiException e) when (e.IsNotFound || e.StatusCode == System.Net.HttpStatusCode.MethodNotAllowed)
                {
                }
            }

            if (!resource.Supports("list"))
            {
                return new ContentLeft(estimate, 0, new Dictionary<string, int>(), null);
            }

            if (!collectionDeleted)
            {
                foreach (var item in await api.ListMetadataAsync(resource.Resource, ns, cancellationToken))
                {
                    try
                    {
                        await api.DeleteAsync(resource.Resource, ns, item.Name, background, cancellationToken);
                    }
                    catch (ApiException e) when (e.IsNotFound || e.StatusCode == System.Net.HttpStatusCode.MethodNotAllowed)
                    {
                    }
                }
            }

            var remaining = await api.ListMetadataAsync(resource.Resource, ns, cancellationToken);
            if (remaining.Count == 0)
            {
                return new ContentLeft(0, 0, new Dictionary<string, int>(), null);
            }

            var finalizers = remaining.SelectMany(i => i.Finalizers ?? []).GroupBy(f => f, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Count(), StringComparer.Ordinal);
            if (estimate > 0)
            {
                return new ContentLeft(estimate, remaining.Count, finalizers, null);
            }

            // Finalizers at work are normal (the garbage collector's, a controller's): wait for them.
            return finalizers.Count > 0
                ? new ContentLeft(FinalizerEstimateSeconds, remaining.Count, finalizers, null)
                : new ContentLeft(0, remaining.Count, finalizers,
                    $"unexpected items still remain in namespace: {ns} for gvr: {resource.Resource.ApiVersion}, Resource={resource.Resource.Plural}");
        }
        catch (ApiException e) when (!cancellationToken.IsCancellationRequested)
        {
            return new ContentLeft(estimate, 0, new Dictionary<string, int>(), e.Message);
        }
    }

    /// <summary>For pods, the longest grace period of those still running, unless that much time has passed since
    /// the namespace's deletion; 0 for every other resource.</summary>
    private long EstimateGracefulTermination(ApiResource resource, string ns, DateTimeOffset deletedAt)
    {
        if (resource.Group.Length != 0 || resource.Plural != Pods.Plural)
        {
            return 0;
        }

        var estimate = pods.ByIndex(Indexers.Namespace, ns)
            .Where(p => p.Status?.Phase is not ("Succeeded" or "Failed"))
            .Select(p => p.Spec?.TerminationGracePeriodSeconds ?? 0)
            .DefaultIfEmpty(0)
            .Max();
        return time.GetUtcNow() - deletedAt >= TimeSpan.FromSeconds(estimate) ? 0 : estimate;
    }

    private static DateTime Whole(DateTimeOffset now) => DateTimeOffset.FromUnixTimeSeconds(now.ToUnixTimeSeconds()).UtcDateTime;

    /// <summary>What one resource has left in the namespace after a deletion pass.</summary>
    private sealed record ContentLeft(long EstimateSeconds, int Remaining, IReadOnlyDictionary<string, int> Finalizers, string? Error);
}
