using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>The rules of a daemon set.</summary>
public sealed class DaemonSetStrategy : ResourceStrategy<V1DaemonSet>
{
    public DaemonSetStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: true, tracksGeneration: true)
    {
    }
}
