using k8s;
using k8s.Models;
using Skiff.Apimachinery;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Admission;

/// <summary>
/// Runs the admission plugins around the registry's writes, as kube-apiserver does: every plugin's mutating phase
/// in order before the strategy prepares and validates the object, every plugin's validating phase in order after
/// it. Requests without a user (the API server's own loops) are not admitted.
/// </summary>
public sealed class AdmissionChain
{
    private readonly IAdmissionPlugin[] _plugins;
    private readonly IClusterObjects _cluster;

    public AdmissionChain(IEnumerable<IAdmissionPlugin> plugins, IClusterObjects cluster)
    {
        _plugins = [.. plugins];
        _cluster = cluster;
    }

    public IReadOnlyList<IAdmissionPlugin> Plugins => _plugins;

    /// <summary>The authorizer handed to plugins that check verbs of their own; set once the chain is built (the
    /// authorizer's RBAC reads objects written through this same registry).</summary>
    public Authorization.IAuthorizer? Authorizer { get; set; }

    /// <summary>The attributes of a request by the current user, or null when there is none (nothing to admit).</summary>
    public AdmissionAttributes? For(
        AdmissionOperation operation, ResourceDefinition def, string? ns, string? name,
        IKubernetesObject<V1ObjectMeta>? obj, IKubernetesObject<V1ObjectMeta>? old, bool dryRun, string? subresource = null) =>
        RequestUser.Current is not { } user
            ? null
            : new AdmissionAttributes
            {
                Operation = operation,
                Resource = def,
                Subresource = subresource ?? string.Empty,
                Namespace = ns ?? string.Empty,
                Name = name ?? string.Empty,
                Object = obj,
                OldObject = old,
                User = user,
                DryRun = dryRun,
                Cluster = _cluster,
                Authorizer = Authorizer,
            };

    public void Admit(AdmissionAttributes? attributes)
    {
        if (attributes is null)
        {
            return;
        }

        foreach (var plugin in _plugins)
        {
            plugin.Admit(attributes);
        }
    }

    public void Validate(AdmissionAttributes? attributes)
    {
        if (attributes is null)
        {
            return;
        }

        foreach (var plugin in _plugins)
        {
            plugin.Validate(attributes);
        }
    }

    /// <summary>The validating phase of a create: every plugin's <see cref="IAdmissionPlugin.ValidateAsync"/> in order.</summary>
    public async Task ValidateAsync(AdmissionAttributes? attributes, CancellationToken ct)
    {
        if (attributes is null)
        {
            return;
        }

        foreach (var plugin in _plugins)
        {
            await plugin.ValidateAsync(attributes, ct);
        }
    }
}
