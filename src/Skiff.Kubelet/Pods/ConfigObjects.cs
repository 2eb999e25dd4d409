using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// The ConfigMaps and Secrets that pods' environment and volumes read, each fetched by name when a pod needs it
/// (upstream kubelet's "Get" change-detection strategy).
/// </summary>
/// <remarks>
/// Not a cluster-wide informer: the node authorizer lets a kubelet read only the objects its own pods reference,
/// one at a time, so a list or watch of every Secret would be refused, and a node holding every Secret of the
/// cluster in memory is what the node authorizer exists to prevent.
/// </remarks>
public sealed class ConfigObjects
{
    private readonly IApiClient api;

    public ConfigObjects(IApiClient api)
    {
        ArgumentNullException.ThrowIfNull(api);
        this.api = api;
    }

    /// <summary>The ConfigMap, or null when it does not exist.</summary>
    public Task<V1ConfigMap?> GetConfigMapAsync(string ns, string name, CancellationToken cancellationToken) =>
        api.GetAsync<V1ConfigMap>(ns, name, cancellationToken);

    /// <summary>The Secret, or null when it does not exist.</summary>
    public Task<V1Secret?> GetSecretAsync(string ns, string name, CancellationToken cancellationToken) =>
        api.GetAsync<V1Secret>(ns, name, cancellationToken);
}
