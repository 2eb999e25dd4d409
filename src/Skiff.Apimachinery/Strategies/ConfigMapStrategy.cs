using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>The rules of a config map.</summary>
public sealed class ConfigMapStrategy : ResourceStrategy<V1ConfigMap>
{
    public ConfigMapStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: false, tracksGeneration: false)
    {
    }
}
