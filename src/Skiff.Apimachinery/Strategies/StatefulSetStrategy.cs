using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Strategies.Workloads;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>The rules of a stateful set (apps/v1): replicas 1, podManagementPolicy OrderedReady, RollingUpdate
/// partition 0, revisionHistoryLimit 10, persistentVolumeClaimRetentionPolicy Retain/Retain by default; selector
/// matching the template; on update only replicas, ordinals, template, updateStrategy,
/// persistentVolumeClaimRetentionPolicy and minReadySeconds may change. Printer: NAME READY AGE | CONTAINERS IMAGES.</summary>
public sealed class StatefulSetStrategy : ResourceStrategy<V1StatefulSet>
{
    private static readonly string[] PodManagementPolicies = ["OrderedReady", "Parallel"];
    private static readonly string[] StrategyTypes = ["OnDelete", "RollingUpdate"];
    private static readonly string[] RetentionPolicies = ["Retain", "Delete"];

    public StatefulSetStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: true, tracksGeneration: true)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.String("Ready", "Number of the pod with ready state"),
        Column.Age,
        WorkloadColumns.Containers,
        WorkloadColumns.Images,
    ];

    protected override void ApplyDefaults(V1StatefulSet obj)
    {
        var spec = obj.Spec ??= new V1StatefulSetSpec();
        spec.Replicas ??= 1;
        if (string.IsNullOrEmpty(spec.PodManagementPolicy))
        {
            spec.PodManagementPolicy = "OrderedReady";
        }

        var strategy = spec.UpdateStrategy ??= new V1StatefulSetUpdateStrategy();
        if (string.IsNullOrEmpty(strategy.Type))
        {
            strategy.Type = "RollingUpdate";
        }

        if (strategy.Type == "RollingUpdate")
        {
            (strategy.RollingUpdate ??= new V1RollingUpdateStatefulSetStrategy()).Partition ??= 0;
        }

        spec.RevisionHistoryLimit ??= 10;
        var retention = spec.PersistentVolumeClaimRetentionPolicy ??= new V1StatefulSetPersistentVolumeClaimRetentionPolicy();
        retention.WhenDeleted ??= "Retain";
        retention.WhenScaled ??= "Retain";
        PodTemplateRules.ApplyDefaults(spec.Template);
    }

    protected override IEnumerable<FieldError> Validate(V1StatefulSet obj)
    {
        var spec = obj.Spec ?? new V1StatefulSetSpec();
        var errors = new List<FieldError>();
        if (spec.PodManagementPolicy is { } policy && !PodManagementPolicies.Contains(policy))
        {
            errors.Add(FieldErrors.NotSupported("spec.podManagementPolicy", policy, PodManagementPolicies));
        }

        var type = spec.UpdateStrategy?.Type;
        if (type is not null && !StrategyTypes.Contains(type))
        {
            errors.Add(FieldErrors.NotSupported("spec.updateStrategy.type", type, StrategyTypes));
        }
        else if (type == "OnDelete" && spec.UpdateStrategy?.RollingUpdate is not null)
        {
            errors.Add(FieldErrors.Invalid("spec.updateStrategy.rollingUpdate", "", "only allowed for updateStrategy 'RollingUpdate'"));
        }
        else
        {
            errors.AddRange(PodTemplateRules.NonNegative("spec.updateStrategy.rollingUpdate.partition", spec.UpdateStrategy?.RollingUpdate?.Partition));
        }

        foreach (var (field, value) in new[]
                 {
                     ("spec.persistentVolumeClaimRetentionPolicy.whenDeleted", spec.PersistentVolumeClaimRetentionPolicy?.WhenDeleted),
                     ("spec.persistentVolumeClaimRetentionPolicy.whenScaled", spec.PersistentVolumeClaimRetentionPolicy?.WhenScaled),
                 })
        {
            if (value is not null && !RetentionPolicies.Contains(value))
            {
                errors.Add(FieldErrors.NotSupported(field, value, RetentionPolicies));
            }
        }

        errors.AddRange(PodTemplateRules.NonNegative("spec.replicas", spec.Replicas));
        errors.AddRange(PodTemplateRules.NonNegative("spec.ordinals.start", spec.Ordinals?.Start));
        errors.AddRange(PodTemplateRules.NonNegative("spec.minReadySeconds", spec.MinReadySeconds));
        errors.AddRange(PodTemplateRules.ValidateSelector(spec.Selector, "spec.selector", "statefulset"));
        errors.AddRange(PodTemplateRules.ValidateTemplate(spec.Template, spec.Selector, "spec.template"));
        errors.AddRange(PodTemplateRules.ValidateAlwaysRestart(spec.Template, "spec.template", "StatefulSet"));
        return errors;
    }

    protected override IEnumerable<FieldError> ValidateUpdate(V1StatefulSet obj, V1StatefulSet old)
    {
        var errors = new List<FieldError>(Validate(obj));
        // upstream's ValidateStatefulSetUpdate: compare the specs with the mutable fields taken from the old one.
        var restored = ModelCopy(obj.Spec ?? new V1StatefulSetSpec());
        var before = old.Spec ?? new V1StatefulSetSpec();
        restored.Replicas = before.Replicas;
        restored.Ordinals = before.Ordinals;
        restored.Template = before.Template;
        restored.UpdateStrategy = before.UpdateStrategy;
        restored.PersistentVolumeClaimRetentionPolicy = before.PersistentVolumeClaimRetentionPolicy;
        restored.MinReadySeconds = before.MinReadySeconds;
        if (!SameJson(restored, before))
        {
            errors.Add(FieldErrors.Forbidden("spec",
                "updates to statefulset spec for fields other than 'replicas', 'ordinals', 'template', 'updateStrategy', 'persistentVolumeClaimRetentionPolicy' and 'minReadySeconds' are forbidden"));
        }

        return errors;
    }

    protected override IReadOnlyList<object?> Cells(V1StatefulSet obj, DateTimeOffset now)
    {
        var status = obj.Status ?? new V1StatefulSetStatus();
        return
        [
            obj.Metadata?.Name,
            $"{status.ReadyReplicas ?? 0}/{obj.Spec?.Replicas ?? 0}",
            HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
            LabelFormatting.ContainerNames(obj.Spec?.Template),
            LabelFormatting.ContainerImages(obj.Spec?.Template),
        ];
    }

    private static V1StatefulSetSpec ModelCopy(V1StatefulSetSpec spec) =>
        k8s.KubernetesJson.Deserialize<V1StatefulSetSpec>(k8s.KubernetesJson.Serialize(spec));
}
