using k8s.Models;
using Skiff.Apimachinery.Strategies.Events;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>The rules of a core/v1 event: Kubernetes' legacy event validation, the event printer (LAST SEEN TYPE
/// REASON OBJECT MESSAGE) and the involvedObject.* field selectors <c>kubectl describe</c> uses.</summary>
public sealed class EventStrategy : ResourceStrategy<Corev1Event>
{
    public EventStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: false, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns => EventRules.Columns;

    protected override IEnumerable<FieldError> Validate(Corev1Event obj) => EventRules.Validate(obj, strict: false);

    protected override IReadOnlyList<object?> Cells(Corev1Event obj, DateTimeOffset now) => EventRules.Cells(obj, now);

    protected override void AddSelectableFields(Corev1Event obj, IDictionary<string, string> fields) => EventRules.AddSelectableFields(obj, fields);
}
