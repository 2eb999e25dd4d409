using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>The rules of an endpoints object.</summary>
public sealed class EndpointsStrategy : ResourceStrategy<V1Endpoints>
{
    public EndpointsStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: false, tracksGeneration: false)
    {
    }
}
