using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>The rules of an events.k8s.io/v1 event.</summary>
public sealed class EventsV1EventStrategy : ResourceStrategy<Eventsv1Event>
{
    public EventsV1EventStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: false, tracksGeneration: false)
    {
    }
}
