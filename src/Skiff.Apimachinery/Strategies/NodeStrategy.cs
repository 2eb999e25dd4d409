using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>The rules of a node.</summary>
public sealed class NodeStrategy : ResourceStrategy<V1Node>
{
    public NodeStrategy()
        : base(namespaced: false, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: true, tracksGeneration: false)
    {
    }
}
