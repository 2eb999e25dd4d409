using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Informers;
using Skiff.Client.Queue;

namespace Skiff.Controllers.ServiceAccounts;

/// <summary>
/// Upstream's root-ca-cert-publisher: ConfigMap <c>kube-root-ca.crt</c> in every active namespace holds the cluster CA
/// under <c>ca.crt</c> (pods mount it through their projected service account volume to verify the API server). A
/// deleted or edited ConfigMap is restored.
/// </summary>
public sealed class RootCaCertPublisher : IDisposable
{
    public const string ConfigMapName = "kube-root-ca.crt";
    public const string DataKey = "ca.crt";
    public const string DescriptionAnnotation = "kubernetes.io/description";

    public const string Description = "Contains a CA bundle that can be used to verify the kube-apiserver when using internal endpoints such as the internal service IP or kubernetes.default.svc. "
        + "No other usage is guaranteed across distributions of Kubernetes clusters.";

    private readonly IApiClient _api;
    private readonly ILogger _logger;
    private readonly string _rootCa;
    private readonly SharedInformer<V1Namespace> _namespaces;
    private readonly SharedInformer<V1ConfigMap> _configMaps;
    private readonly List<IHandlerRegistration> _registrations = [];

    public RootCaCertPublisher(ComponentContext context, string rootCa)
    {
        ArgumentNullException.ThrowIfNull(context);
        ArgumentException.ThrowIfNullOrEmpty(rootCa);
        _api = context.Api;
        _logger = context.Loggers.CreateLogger("Skiff.Controllers.RootCaCertPublisher");
        _rootCa = rootCa;
        _namespaces = context.Informers.Get<V1Namespace>();
        _configMaps = context.Informers.Get<V1ConfigMap>();
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(context.Time), context.Time, "root_ca_cert_publisher");
        _registrations.Add(_namespaces.AddEventHandler(new ResourceEventHandler<V1Namespace>
        {
            Added = (ns, _) => Queue.Add(ns.Metadata.Name),
            Updated = (_, ns) => Queue.Add(ns.Metadata.Name),
        }));
        _registrations.Add(_configMaps.AddEventHandler(new ResourceEventHandler<V1ConfigMap>
        {
            Updated = (_, cm) => OnConfigMap(cm),
            Deleted = (cm, _) => OnConfigMap(cm),
        }));
    }

    public WorkQueue<string> Queue { get; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_namespaces.WaitForSyncAsync(cancellationToken), _configMaps.WaitForSyncAsync(cancellationToken));
        await QueueWorkers.RunAsync(Queue, workers, SyncAsync, _logger, cancellationToken);
    }

    /// <summary>Creates or restores the ConfigMap of namespace <paramref name="key"/>.</summary>
    public async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var ns = _namespaces.Cache.GetByKey(key);
        if (ns is null || !NamespaceStates.IsActive(ns))
        {
            return;
        }

        var current = _configMaps.Cache.Get(key, ConfigMapName);
        if (current is null)
        {
            try
            {
                await _api.CreateAsync(
                    new V1ConfigMap
                    {
                        ApiVersion = "v1",
                        Kind = "ConfigMap",
                        Metadata = new V1ObjectMeta
                        {
                            Name = ConfigMapName,
                            NamespaceProperty = key,
                            Annotations = new Dictionary<string, string> { [DescriptionAnnotation] = Description },
                        },
                        Data = new Dictionary<string, string> { [DataKey] = _rootCa },
                    },
                    cancellationToken);
            }
            catch (ApiException e) when (NamespaceStates.IsNamespaceGoneOrTerminating(e))
            {
            }

            return;
        }

        var dataMatches = current.Data is { Count: 1 } data && data.TryGetValue(DataKey, out var ca) && ca == _rootCa;
        if (dataMatches && current.Metadata.Annotations?.TryGetValue(DescriptionAnnotation, out var d) == true && d.Length > 0)
        {
            return;
        }

        var copy = ObjectCopy.Clone(current);
        copy.Data = new Dictionary<string, string> { [DataKey] = _rootCa };
        copy.Metadata.Annotations ??= new Dictionary<string, string>();
        copy.Metadata.Annotations[DescriptionAnnotation] = Description;
        await _api.UpdateAsync(copy, cancellationToken);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        Queue.Dispose();
    }

    private void OnConfigMap(V1ConfigMap cm)
    {
        if (cm.Metadata.Name == ConfigMapName)
        {
            Queue.Add(cm.Metadata.NamespaceProperty);
        }
    }
}
