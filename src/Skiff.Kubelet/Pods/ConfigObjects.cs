using k8s.Models;
using Skiff.Client.Informers;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// The ConfigMaps and Secrets that pods' environment and volumes read, from the process's shared informers (one
/// watch each) instead of a GET per container start. Reads wait until the informer's first list is in.
/// </summary>
/// <remarks>
/// The informers are cluster-wide. Upstream's kubelet watches only the objects its pods reference (one watch per
/// referenced object, started and stopped as pods come and go), which matters with thousands of nodes and the node
/// authorizer restricting what a kubelet may read. Skiff's clusters are small and have no node authorizer; a
/// cluster-wide informer is one list+watch per kind, shared in <c>skiff server</c> with the control plane's own
/// informers of those kinds, and costs the memory of every ConfigMap and Secret: the simpler trade here.
/// Objects returned are the cache's: read them, never change them.
/// </remarks>
public sealed class ConfigObjects
{
    private readonly SharedInformer<V1ConfigMap> configMaps;
    private readonly SharedInformer<V1Secret> secrets;

    public ConfigObjects(SharedInformerFactory informers)
    {
        ArgumentNullException.ThrowIfNull(informers);
        configMaps = informers.Get<V1ConfigMap>();
        secrets = informers.Get<V1Secret>();
    }

    /// <summary>The ConfigMap, or null when it does not exist.</summary>
    public async Task<V1ConfigMap?> GetConfigMapAsync(string ns, string name, CancellationToken cancellationToken)
    {
        await configMaps.WaitForSyncAsync(cancellationToken);
        return configMaps.Cache.Get(ns, name);
    }

    /// <summary>The Secret, or null when it does not exist.</summary>
    public async Task<V1Secret?> GetSecretAsync(string ns, string name, CancellationToken cancellationToken)
    {
        await secrets.WaitForSyncAsync(cancellationToken);
        return secrets.Cache.Get(ns, name);
    }
}
