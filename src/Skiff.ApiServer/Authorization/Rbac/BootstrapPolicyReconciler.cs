using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Authorization.Rbac;

/// <summary>
/// Puts the bootstrap policy in place at server start, as kube-apiserver's rbac/bootstrap-roles post-start hook:
/// missing roles and bindings are created; existing ones with <c>rbac.authorization.kubernetes.io/autoupdate</c>
/// not "false" get back any rule or subject they lack (what users added stays). Aggregated roles get the union of
/// the rules of the roles they select; <see cref="ClusterRoleAggregator"/> keeps that up to date afterwards.
/// </summary>
public sealed class BootstrapPolicyReconciler
{
    private const string Group = "rbac.authorization.k8s.io";
    private readonly GenericRegistry _registry;
    private readonly ILogger _logger;

    public BootstrapPolicyReconciler(GenericRegistry registry, ILogger logger)
    {
        _registry = registry;
        _logger = logger;
    }

    public async Task ReconcileAsync(CancellationToken ct)
    {
        var roles = _registry.Index.Find(Group, "v1", "clusterroles")!;
        var bindings = _registry.Index.Find(Group, "v1", "clusterrolebindings")!;
        foreach (var role in BootstrapPolicy.ClusterRoles())
        {
            var existing = (V1ClusterRole?)await FindAsync(roles, role.Metadata.Name, ct);
            if (existing is null)
            {
                await _registry.CreateAsync(roles, null, role, dryRun: false, ct);
                continue;
            }

            if (!AutoUpdates(existing.Metadata))
            {
                continue;
            }

            var missing = (role.Rules ?? []).Where(r => !(existing.Rules ?? []).Any(e => Same(e, r))).ToList();
            var labelsMissing = role.Metadata.Labels.Any(kv => Value(existing.Metadata.Labels, kv.Key) != kv.Value);
            if (missing.Count > 0 || labelsMissing || (role.AggregationRule is not null && existing.AggregationRule is null))
            {
                existing.Rules = [.. existing.Rules ?? [], .. missing];
                existing.Metadata.Labels ??= new Dictionary<string, string>();
                foreach (var (k, v) in role.Metadata.Labels)
                {
                    existing.Metadata.Labels[k] = v;
                }

                existing.AggregationRule ??= role.AggregationRule;
                await _registry.UpdateAsync(roles, null, existing.Metadata.Name, existing, status: false, dryRun: false, ct);
            }
        }

        foreach (var binding in BootstrapPolicy.ClusterRoleBindings())
        {
            var existing = (V1ClusterRoleBinding?)await FindAsync(bindings, binding.Metadata.Name, ct);
            if (existing is null)
            {
                await _registry.CreateAsync(bindings, null, binding, dryRun: false, ct);
                continue;
            }

            if (existing.Metadata.Name == "system:node" && (existing.Subjects ?? []).Any(s => Same(s, BootstrapPolicy.FormerNodeGroupSubject)))
            {
                // Data dirs from before the Node authorizer: every node held system:node through this subject.
                existing.Subjects = [.. existing.Subjects!.Where(s => !Same(s, BootstrapPolicy.FormerNodeGroupSubject))];
                await _registry.UpdateAsync(bindings, null, existing.Metadata.Name, existing, status: false, dryRun: false, ct);
            }

            var missing = (binding.Subjects ?? []).Where(s => !(existing.Subjects ?? []).Any(e => Same(e, s))).ToList();
            if (AutoUpdates(existing.Metadata) && missing.Count > 0 && existing.RoleRef?.Name == binding.RoleRef.Name)
            {
                existing.Subjects = [.. existing.Subjects ?? [], .. missing];
                await _registry.UpdateAsync(bindings, null, existing.Metadata.Name, existing, status: false, dryRun: false, ct);
            }
        }

        await new ClusterRoleAggregator(_registry, _logger).AggregateOnceAsync(ct);
    }

    private static bool AutoUpdates(V1ObjectMeta meta) => Value(meta.Annotations, BootstrapPolicy.AutoUpdate) != "false";

    private static string? Value(IDictionary<string, string>? map, string key) => map is not null && map.TryGetValue(key, out var v) ? v : null;

    private static bool Same(object a, object b) => KubernetesJson.Serialize(a) == KubernetesJson.Serialize(b);

    private async Task<IKubernetesObject<V1ObjectMeta>?> FindAsync(Skiff.Apimachinery.ResourceDefinition def, string name, CancellationToken ct)
    {
        try
        {
            return (await _registry.GetAsync(def, null, name, null, ct)).Decode();
        }
        catch (Http.ApiException e) when (e.Status.Code == 404)
        {
            return null;
        }
    }
}
