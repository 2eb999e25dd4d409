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

        // The generated defaulters run the claim's defaults on each template: volumeMode Filesystem, phase Pending.
        foreach (var claim in spec.VolumeClaimTemplates ?? [])
        {
            (claim.Spec ??= new V1PersistentVolumeClaimSpec()).VolumeMode ??= Storage.VolumeRules.Filesystem;
            (claim.Status ??= new V1PersistentVolumeClaimStatus()).Phase ??= Storage.PersistentVolumeClaimStrategy.Pending;
        }
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
        errors.AddRange(PodTemplateRules.ValidateTemplate(WithClaimVolumes(spec.Template, spec.VolumeClaimTemplates), spec.Selector, "spec.template"));
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

    /// <summary>
    /// The template as its pods will be: a volume per claim template (upstream does not validate a StatefulSet's pod
    /// spec at all, its TODO being "the union of the given volumes and volumeClaims match volume mounts"), so that a
    /// container may mount a claim template by name.
    /// </summary>
    private static V1PodTemplateSpec? WithClaimVolumes(V1PodTemplateSpec? template, IList<V1PersistentVolumeClaim>? claims)
    {
        if (template?.Spec is null || claims is not { Count: > 0 })
        {
            return template;
        }

        var copy = k8s.KubernetesJson.Deserialize<V1PodTemplateSpec>(k8s.KubernetesJson.Serialize(template));
        var names = claims.Select(c => c.Metadata?.Name).OfType<string>().Where(n => n.Length > 0).ToHashSet(StringComparer.Ordinal);
        var volumes = names.Select(name => new V1Volume { Name = name, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = name } }).ToList();
        volumes.AddRange((copy.Spec.Volumes ?? []).Where(v => !names.Contains(v.Name)));
        copy.Spec.Volumes = volumes;
        return copy;
    }
}
