using k8s.Models;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// The one place that says how fields merge: upstream's <c>patchStrategy</c>/<c>patchMergeKey</c> tags
/// (k8s.io/api types.go) keyed by the KubernetesClient model type and the JSON field name. Used by strategic merge
/// patch and by server-side apply. Fields not listed are atomic lists or plain fields.
/// </summary>
public static class PatchStrategyTable
{
    private static readonly FieldStrategy Conditions = FieldStrategy.MergeBy("type");

    private static readonly IReadOnlyDictionary<string, FieldStrategy> ContainerFields = new Dictionary<string, FieldStrategy>
    {
        ["ports"] = FieldStrategy.MergeBy("containerPort", "containerPort", "protocol"),
        ["env"] = FieldStrategy.MergeBy("name"),
        ["volumeMounts"] = FieldStrategy.MergeBy("mountPath"),
        ["volumeDevices"] = FieldStrategy.MergeBy("devicePath"),
    };

    private static readonly IReadOnlyDictionary<Type, IReadOnlyDictionary<string, FieldStrategy>> Table =
        new Dictionary<Type, IReadOnlyDictionary<string, FieldStrategy>>
        {
            [typeof(V1ObjectMeta)] = new Dictionary<string, FieldStrategy>
            {
                ["finalizers"] = FieldStrategy.PrimitiveSet,
                ["ownerReferences"] = FieldStrategy.MergeBy("uid"),
            },
            [typeof(V1PodSpec)] = new Dictionary<string, FieldStrategy>
            {
                ["volumes"] = FieldStrategy.MergeRetainKeysBy("name"),
                ["initContainers"] = FieldStrategy.MergeBy("name"),
                ["containers"] = FieldStrategy.MergeBy("name"),
                ["ephemeralContainers"] = FieldStrategy.MergeBy("name"),
                ["imagePullSecrets"] = FieldStrategy.MergeBy("name"),
                ["hostAliases"] = FieldStrategy.MergeBy("ip"),
                ["topologySpreadConstraints"] = FieldStrategy.MergeBy("topologyKey", "topologyKey", "whenUnsatisfiable"),
                ["resourceClaims"] = FieldStrategy.MergeRetainKeysBy("name"),
                ["schedulingGates"] = FieldStrategy.MergeBy("name"),
            },
            [typeof(V1Container)] = ContainerFields,
            [typeof(V1EphemeralContainer)] = ContainerFields,
            [typeof(V1PodStatus)] = new Dictionary<string, FieldStrategy>
            {
                ["conditions"] = Conditions,
                ["podIPs"] = FieldStrategy.MergeBy("ip"),
                ["hostIPs"] = FieldStrategy.MergeBy("ip"),
                ["resourceClaimStatuses"] = FieldStrategy.MergeRetainKeysBy("name"),
            },
            [typeof(V1NodeSpec)] = new Dictionary<string, FieldStrategy> { ["podCIDRs"] = FieldStrategy.PrimitiveSet },
            [typeof(V1NodeStatus)] = new Dictionary<string, FieldStrategy>
            {
                ["conditions"] = Conditions,
                ["addresses"] = FieldStrategy.MergeBy("type"),
            },
            [typeof(V1ServiceSpec)] = new Dictionary<string, FieldStrategy>
            {
                ["ports"] = FieldStrategy.MergeBy("port", "port", "protocol"),
            },
            [typeof(V1ServiceStatus)] = new Dictionary<string, FieldStrategy> { ["conditions"] = Conditions },
            [typeof(V1NamespaceStatus)] = new Dictionary<string, FieldStrategy> { ["conditions"] = Conditions },
            [typeof(V1PersistentVolumeClaimStatus)] = new Dictionary<string, FieldStrategy> { ["conditions"] = Conditions },
            [typeof(V1ReplicationControllerStatus)] = new Dictionary<string, FieldStrategy> { ["conditions"] = Conditions },
            [typeof(V1DeploymentSpec)] = new Dictionary<string, FieldStrategy> { ["strategy"] = FieldStrategy.RetainKeysOnly },
            [typeof(V1DeploymentStatus)] = new Dictionary<string, FieldStrategy> { ["conditions"] = Conditions },
            [typeof(V1ReplicaSetStatus)] = new Dictionary<string, FieldStrategy> { ["conditions"] = Conditions },
            [typeof(V1DaemonSetStatus)] = new Dictionary<string, FieldStrategy> { ["conditions"] = Conditions },
            [typeof(V1StatefulSetStatus)] = new Dictionary<string, FieldStrategy> { ["conditions"] = Conditions },
            [typeof(V1JobStatus)] = new Dictionary<string, FieldStrategy> { ["conditions"] = Conditions },
            [typeof(V1PodDisruptionBudgetStatus)] = new Dictionary<string, FieldStrategy> { ["conditions"] = Conditions },
            [typeof(V2HorizontalPodAutoscalerStatus)] = new Dictionary<string, FieldStrategy> { ["conditions"] = Conditions },
        };

    /// <summary>The strategy of <paramref name="jsonField"/> in <paramref name="modelType"/>, or null for a plain/atomic field.</summary>
    public static FieldStrategy? Lookup(Type? modelType, string jsonField) =>
        modelType is not null && Table.TryGetValue(modelType, out var fields) && fields.TryGetValue(jsonField, out var strategy)
            ? strategy
            : null;
}
