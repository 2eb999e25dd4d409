using System.Collections.Concurrent;
using System.Reflection;
using k8s.Models;

namespace Skiff.Client.Api;

/// <summary>
/// Where a kind lives in the API: group, version, plural and whether it is namespaced, e.g. pods are
/// <c>("", "v1", "pods", namespaced)</c>. Read from the <see cref="KubernetesEntityAttribute"/> that the official
/// client's models carry; cluster-scoped kinds are listed here because the models do not say.
/// </summary>
public sealed record ApiResource(string Group, string Version, string Plural, string Kind, bool Namespaced)
{
    private static readonly ConcurrentDictionary<Type, ApiResource> ByType = new();

    // Kinds served without a namespace (the models' attribute does not tell).
    private static readonly HashSet<string> ClusterScoped = new(StringComparer.Ordinal)
    {
        "/Namespace", "/Node", "/PersistentVolume", "/ComponentStatus",
        "scheduling.k8s.io/PriorityClass", "storage.k8s.io/StorageClass", "storage.k8s.io/CSIDriver",
        "storage.k8s.io/CSINode", "storage.k8s.io/VolumeAttachment",
        "rbac.authorization.k8s.io/ClusterRole", "rbac.authorization.k8s.io/ClusterRoleBinding",
        "certificates.k8s.io/CertificateSigningRequest", "apiextensions.k8s.io/CustomResourceDefinition",
        "admissionregistration.k8s.io/MutatingWebhookConfiguration",
        "admissionregistration.k8s.io/ValidatingWebhookConfiguration",
        "admissionregistration.k8s.io/ValidatingAdmissionPolicy",
        "admissionregistration.k8s.io/ValidatingAdmissionPolicyBinding",
        "networking.k8s.io/IngressClass", "networking.k8s.io/IPAddress", "networking.k8s.io/ServiceCIDR",
        "node.k8s.io/RuntimeClass", "flowcontrol.apiserver.k8s.io/FlowSchema",
        "flowcontrol.apiserver.k8s.io/PriorityLevelConfiguration", "apiregistration.k8s.io/APIService",
        "authentication.k8s.io/SelfSubjectReview", "authentication.k8s.io/TokenReview",
        "authorization.k8s.io/SelfSubjectAccessReview", "authorization.k8s.io/SelfSubjectRulesReview",
        "authorization.k8s.io/SubjectAccessReview",
    };

    /// <summary><c>v1</c> for core, <c>apps/v1</c> otherwise.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary>The resource of a model type, e.g. <c>For&lt;V1Pod&gt;()</c>.</summary>
    public static ApiResource For<T>() => For(typeof(T));

    public static ApiResource For(Type modelType) => ByType.GetOrAdd(modelType, static type =>
    {
        var entity = type.GetCustomAttribute<KubernetesEntityAttribute>()
            ?? throw new ArgumentException($"{type.Name} is not a Kubernetes model (no KubernetesEntity attribute)", nameof(modelType));
        var group = entity.Group ?? string.Empty;
        // The models of create-only kinds (TokenReview, SubjectAccessReview...) carry no plural: theirs is the
        // lower-cased kind plus "s", as the API server names them.
        var plural = string.IsNullOrEmpty(entity.PluralName) ? entity.Kind.ToLowerInvariant() + "s" : entity.PluralName;
        return new ApiResource(group, entity.ApiVersion, plural, entity.Kind, !ClusterScoped.Contains($"{group}/{entity.Kind}"));
    });

    /// <summary>The collection path, e.g. <c>/api/v1/namespaces/default/pods</c> or <c>/apis/apps/v1/deployments</c>.</summary>
    public string CollectionPath(string? ns)
    {
        var root = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        return Namespaced && !string.IsNullOrEmpty(ns) ? $"{root}/namespaces/{Uri.EscapeDataString(ns)}/{Plural}" : $"{root}/{Plural}";
    }

    /// <summary>The path of one object, optionally of one of its subresources (<c>status</c>, <c>binding</c>).</summary>
    public string ObjectPath(string? ns, string name, string? subresource = null)
    {
        if (Namespaced && string.IsNullOrEmpty(ns))
        {
            throw new ArgumentException($"{Plural} are namespaced: a namespace is required", nameof(ns));
        }

        var path = $"{CollectionPath(ns)}/{Uri.EscapeDataString(name)}";
        return subresource is null ? path : $"{path}/{subresource}";
    }

    public override string ToString() => Group.Length == 0 ? Plural : $"{Plural}.{Group}";
}
