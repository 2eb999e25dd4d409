using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Authorization.Rbac;

/// <summary>
/// Upstream's clusterrole-aggregation controller, run inside the API server process for now: whenever a
/// ClusterRole changes, every ClusterRole with an <c>aggregationRule</c> gets the union of the rules of the
/// ClusterRoles its selectors pick.
/// </summary>
public sealed class ClusterRoleAggregator
{
    private readonly GenericRegistry _registry;
    private readonly ILogger _logger;

    public ClusterRoleAggregator(GenericRegistry registry, ILogger logger)
    {
        _registry = registry;
        _logger = logger;
    }

    private Skiff.Apimachinery.ResourceDefinition Roles => _registry.Index.Find("rbac.authorization.k8s.io", "v1", "clusterroles")!;

    /// <summary>Re-aggregates after every change of a ClusterRole until <paramref name="ct"/> ends.</summary>
    public async Task RunAsync(TimeSpan pollInterval, TimeProvider time, CancellationToken ct)
    {
        var cache = _registry.Hub.For(Roles);
        var seen = -1L;
        while (!ct.IsCancellationRequested)
        {
            var generation = cache.Generation;
            if (generation != seen)
            {
                try
                {
                    await AggregateOnceAsync(ct);
                    seen = generation;
                }
                catch (Exception e) when (e is not OperationCanceledException)
                {
                    _logger.LogWarning(e, "ClusterRole aggregation failed; retrying");
                }
            }

            try
            {
                await Task.Delay(pollInterval, time, ct);
            }
            catch (OperationCanceledException)
            {
                return;
            }
        }
    }

    public async Task AggregateOnceAsync(CancellationToken ct)
    {
        var all = _registry.Hub.For(Roles).Snapshot(string.Empty, _ => true).Select(o => (V1ClusterRole)o.Decode()).ToList();
        var before = all.ToDictionary(r => r.Metadata.Name, r => KubernetesJson.Serialize(r.Rules ?? []), StringComparer.Ordinal);

        // Aggregated roles may pick other aggregated roles (admin picks edit, edit picks view): iterate to a fixpoint.
        for (var pass = 0; pass < 8; pass++)
        {
            var changed = false;
            foreach (var role in all.Where(r => r.AggregationRule is not null))
            {
                var rules = BootstrapPolicy.Aggregate(role, all);
                if (KubernetesJson.Serialize(rules) != KubernetesJson.Serialize(role.Rules ?? []))
                {
                    role.Rules = rules;
                    changed = true;
                }
            }

            if (!changed)
            {
                break;
            }
        }

        foreach (var role in all.Where(r => r.AggregationRule is not null && before[r.Metadata.Name] != KubernetesJson.Serialize(r.Rules ?? [])))
        {
            try
            {
                await _registry.UpdateAsync(Roles, null, role.Metadata.Name, role, status: false, dryRun: false, ct);
            }
            catch (Http.ApiException e) when (e.Status.Code == 409)
            {
                // Changed meanwhile: the next round sees the new version.
            }
        }
    }
}
