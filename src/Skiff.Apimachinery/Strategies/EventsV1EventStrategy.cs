using k8s.Models;
using Skiff.Apimachinery.Strategies.Events;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>The rules of an events.k8s.io/v1 event: the same object as a core event (converted, see
/// <see cref="EventConversion"/>) with Kubernetes' strict validation for this API, the same printer and field
/// selectors.</summary>
public sealed class EventsV1EventStrategy : ResourceStrategy<Eventsv1Event>
{
    public EventsV1EventStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: false, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns => EventRules.Columns;

    protected override IEnumerable<FieldError> Validate(Eventsv1Event obj) => EventRules.Validate(EventConversion.ToCore(obj), strict: true);

    protected override IEnumerable<FieldError> ValidateUpdate(Eventsv1Event obj, Eventsv1Event old) =>
        EventRules.Validate(EventConversion.ToCore(obj), strict: true);

    protected override IReadOnlyList<object?> Cells(Eventsv1Event obj, DateTimeOffset now) => EventRules.Cells(EventConversion.ToCore(obj), now);

    protected override void AddSelectableFields(Eventsv1Event obj, IDictionary<string, string> fields) =>
        EventRules.AddSelectableFields(EventConversion.ToCore(obj), fields);
}
