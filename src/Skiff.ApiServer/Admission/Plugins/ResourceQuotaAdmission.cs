using k8s.Models;
using Skiff.Api.Quota;

namespace Skiff.ApiServer.Admission.Plugins;

/// <summary>
/// Upstream's ResourceQuota plugin on creates: every quota of the namespace whose <c>status.hard</c> (set by the quota
/// controller) names something the new object uses is charged with it. The charge is a read-modify-write of the
/// quota's <c>status.used</c> with optimistic concurrency against storage, retried on conflict with the newest
/// quota, so two creates racing for the last slot cannot both pass. Refusals are upstream's 403s:
/// <c>exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2</c>,
/// <c>failed quota: q: must specify limits.cpu for: c</c> (a quota on cpu or memory needs every container to set
/// it), <c>status unknown for quota: q, resources: pods</c> (the controller has not counted yet). Scoped quotas
/// (Terminating, NotTerminating, BestEffort, NotBestEffort) charge only the pods they select. Usage a refused or
/// failed create was charged is given back by the controller's next count, as upstream.
/// </summary>
public sealed class ResourceQuotaAdmission : IAdmissionPlugin
{
    public string Name => "ResourceQuota";

    public async Task ValidateAsync(AdmissionAttributes a, CancellationToken ct)
    {
        if (a.Operation != AdmissionOperation.Create || a.Subresource.Length > 0 || a.Namespace.Length == 0 || a.Object is null)
        {
            return;
        }

        var quotas = a.Cluster.List(string.Empty, "resourcequotas", a.Namespace).OfType<V1ResourceQuota>()
            .OrderBy(q => q.Metadata?.Name, StringComparer.Ordinal).ToList();
        if (quotas.Count == 0)
        {
            return;
        }

        var usage = QuotaUsage.Of(a.Resource.Group, a.Resource.Plural, a.Object);
        foreach (var quota in quotas)
        {
            if (!Selects(quota, a.Object) || quota.Status?.Hard is not { Count: > 0 } hard)
            {
                continue;
            }

            var name = quota.Metadata.Name;
            if (a.Object is V1Pod pod && QuotaUsage.MissingCompute(pod, hard.Keys) is { } missing)
            {
                throw AdmissionErrors.Forbidden(a, $"failed quota: {name}: {missing}");
            }

            var charged = hard.Keys.Where(usage.ContainsKey).ToList();
            if (charged.Count == 0)
            {
                continue;
            }

            await a.Cluster.UpdateStatusAsync(string.Empty, "resourcequotas", a.Namespace, name, a.DryRun, current =>
            {
                var fresh = (V1ResourceQuota)current;
                return Charge(a, fresh, usage);
            }, ct);
        }
    }

    /// <summary>The quota with the usage added, or a 403 when it does not fit (checked against the newest status).</summary>
    private static V1ResourceQuota Charge(AdmissionAttributes a, V1ResourceQuota quota, IReadOnlyDictionary<string, ResourceQuantity> usage)
    {
        var status = quota.Status ??= new V1ResourceQuotaStatus();
        var hard = status.Hard ?? new Dictionary<string, ResourceQuantity>();
        var used = status.Used ??= new Dictionary<string, ResourceQuantity>();
        var charged = hard.Keys.Where(usage.ContainsKey).Order(StringComparer.Ordinal).ToList();
        var unknown = charged.Where(k => !used.ContainsKey(k)).ToList();
        if (unknown.Count > 0)
        {
            throw AdmissionErrors.Forbidden(a, $"status unknown for quota: {quota.Metadata.Name}, resources: {string.Join(",", unknown)}");
        }

        var failed = charged.Where(k => used[k].ToDecimal() + usage[k].ToDecimal() > hard[k].ToDecimal()).ToList();
        if (failed.Count > 0)
        {
            var requested = failed.ToDictionary(k => k, k => usage[k], StringComparer.Ordinal);
            var usedNow = failed.ToDictionary(k => k, k => used[k], StringComparer.Ordinal);
            var limited = failed.ToDictionary(k => k, k => hard[k], StringComparer.Ordinal);
            throw AdmissionErrors.Forbidden(
                a,
                $"exceeded quota: {quota.Metadata.Name}, requested: {Quantities.PrettyPrint(requested)}, used: {Quantities.PrettyPrint(usedNow)}, limited: {Quantities.PrettyPrint(limited)}");
        }

        foreach (var key in charged)
        {
            used[key] = Quantities.Of(used[key].ToDecimal() + usage[key].ToDecimal(), usage[key]);
        }

        return quota;
    }

    /// <summary>A quota with scopes tracks only the pods matching all of them.</summary>
    private static bool Selects(V1ResourceQuota quota, object obj)
    {
        var scopes = quota.Spec?.Scopes ?? [];
        if (scopes.Count == 0)
        {
            return true;
        }

        return obj is V1Pod pod && scopes.All(s => QuotaUsage.MatchesScope(pod, s));
    }
}
