using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Strategies.Workloads;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>The rules of a replica set (apps/v1): replicas 1 by default, selector required, non-empty, matching the
/// template and immutable. Printer: NAME DESIRED CURRENT READY AGE | CONTAINERS IMAGES SELECTOR.</summary>
public sealed class ReplicaSetStrategy : ResourceStrategy<V1ReplicaSet>
{
    public ReplicaSetStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: true, tracksGeneration: true)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.Integer("Desired", "Replicas is the number of desired pods. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#how-a-replicaset-works"),
        Column.Integer("Current", "Replicas is the most recently observed number of non-terminating pods. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicaset/#how-a-replicaset-works"),
        Column.Integer("Ready", "The number of non-terminating pods targeted by this ReplicaSet with a Ready Condition."),
        Column.Age,
        WorkloadColumns.Containers,
        WorkloadColumns.Images,
        WorkloadColumns.Selector,
    ];

    protected override void ApplyDefaults(V1ReplicaSet obj)
    {
        var spec = obj.Spec ??= new V1ReplicaSetSpec();
        spec.Replicas ??= 1;
        PodTemplateRules.ApplyDefaults(spec.Template);
    }

    protected override IEnumerable<FieldError> Validate(V1ReplicaSet obj)
    {
        var spec = obj.Spec ?? new V1ReplicaSetSpec();
        return PodTemplateRules.NonNegative("spec.replicas", spec.Replicas)
            .Concat(PodTemplateRules.NonNegative("spec.minReadySeconds", spec.MinReadySeconds))
            .Concat(PodTemplateRules.ValidateSelector(spec.Selector, "spec.selector", "deployment"))
            .Concat(PodTemplateRules.ValidateTemplate(spec.Template, spec.Selector, "spec.template"))
            .Concat(PodTemplateRules.ValidateAlwaysRestart(spec.Template, "spec.template", "ReplicaSet"))
            .ToList();
    }

    protected override IEnumerable<FieldError> ValidateUpdate(V1ReplicaSet obj, V1ReplicaSet old)
    {
        var errors = new List<FieldError>(Validate(obj));
        if (!SameJson(obj.Spec?.Selector, old.Spec?.Selector))
        {
            errors.Add(FieldErrors.Immutable("spec.selector", GoValue.Selector(obj.Spec?.Selector)));
        }

        return errors;
    }

    protected override IReadOnlyList<object?> Cells(V1ReplicaSet obj, DateTimeOffset now) =>
    [
        obj.Metadata?.Name,
        (long)(obj.Spec?.Replicas ?? 0),
        (long)(obj.Status?.Replicas ?? 0),
        (long)(obj.Status?.ReadyReplicas ?? 0),
        HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
        LabelFormatting.ContainerNames(obj.Spec?.Template),
        LabelFormatting.ContainerImages(obj.Spec?.Template),
        LabelFormatting.FormatSelector(obj.Spec?.Selector),
    ];
}
