using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>The rules of a service.</summary>
public sealed class ServiceStrategy : ResourceStrategy<V1Service>
{
    public ServiceStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1035Label, hasStatusSubresource: true, tracksGeneration: false)
    {
    }
}
