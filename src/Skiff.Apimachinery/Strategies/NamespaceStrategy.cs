using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>The rules of a namespace.</summary>
public sealed class NamespaceStrategy : ResourceStrategy<V1Namespace>
{
    public NamespaceStrategy()
        : base(namespaced: false, validateName: NameRules.NameIsDns1123Label, hasStatusSubresource: true, tracksGeneration: false)
    {
    }
}
