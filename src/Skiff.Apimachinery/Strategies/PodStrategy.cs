using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>The rules of a pod.</summary>
public sealed class PodStrategy : ResourceStrategy<V1Pod>
{
    public PodStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: true, tracksGeneration: false)
    {
    }
}
