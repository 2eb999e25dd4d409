using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Strategies.Workloads;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>
/// The rules of a replication controller (core/v1), as upstream's: the selector (a plain label map) and the object's
/// labels default to the template's labels, replicas to 1; the selector must be non-empty and match the template,
/// whose pods restart Always. Unlike a ReplicaSet's, the selector may change. Printer: NAME DESIRED CURRENT READY AGE
/// | CONTAINERS IMAGES SELECTOR.
/// </summary>
public sealed class ReplicationControllerStrategy : ResourceStrategy<V1ReplicationController>
{
    public ReplicationControllerStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: true, tracksGeneration: true)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.Integer("Desired", "Replicas is the number of desired replicas. This is a pointer to distinguish between explicit zero and unspecified. Defaults to 1. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"),
        Column.Integer("Current", "Replicas is the most recently observed number of replicas. More info: https://kubernetes.io/docs/concepts/workloads/controllers/replicationcontroller#what-is-a-replicationcontroller"),
        Column.Integer("Ready", "The number of ready replicas for this replication controller."),
        Column.Age,
        WorkloadColumns.Containers,
        WorkloadColumns.Images,
        Column.String("Selector", "Selector is a label query over pods that should match the Replicas count. If Selector is empty, it is defaulted to the labels present on the Pod template. Label keys and values that must match in order to be controlled by this replication controller, if empty defaulted to labels on Pod template. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", 1),
    ];

    /// <summary>SetDefaults_ReplicationController.</summary>
    protected override void ApplyDefaults(V1ReplicationController obj)
    {
        var spec = obj.Spec ??= new V1ReplicationControllerSpec();
        if (spec.Template?.Metadata?.Labels is { } labels)
        {
            if (spec.Selector is not { Count: > 0 })
            {
                spec.Selector = new Dictionary<string, string>(labels);
            }

            if (obj.Metadata.Labels is not { Count: > 0 })
            {
                obj.Metadata.Labels = new Dictionary<string, string>(labels);
            }
        }

        spec.Replicas ??= 1;
        PodTemplateRules.ApplyDefaults(spec.Template);
    }

    /// <summary>ValidateReplicationControllerSpec.</summary>
    protected override IEnumerable<FieldError> Validate(V1ReplicationController obj)
    {
        var spec = obj.Spec ?? new V1ReplicationControllerSpec();
        var errors = new List<FieldError>(PodTemplateRules.NonNegative("spec.minReadySeconds", spec.MinReadySeconds));
        if (spec.Selector is not { Count: > 0 })
        {
            errors.Add(FieldErrors.Required("spec.selector"));
        }

        errors.AddRange(spec.Replicas is null ? [FieldErrors.Required("spec.replicas")] : PodTemplateRules.NonNegative("spec.replicas", spec.Replicas));
        var selector = spec.Selector is { Count: > 0 } map ? new V1LabelSelector { MatchLabels = map } : null;
        errors.AddRange(PodTemplateRules.ValidateTemplate(spec.Template, selector, "spec.template"));
        if (spec.Template?.Spec is { } podSpec && podSpec.RestartPolicy != "Always")
        {
            errors.Add(FieldErrors.NotSupported("spec.template.spec.restartPolicy", podSpec.RestartPolicy ?? string.Empty, ["Always"]));
        }

        if (spec.Template?.Spec?.ActiveDeadlineSeconds is { } deadline)
        {
            errors.Add(FieldErrors.Invalid("spec.template.spec.activeDeadlineSeconds", deadline, "activeDeadlineSeconds in ReplicationController is not Supported"));
        }

        return errors;
    }

    protected override IReadOnlyList<object?> Cells(V1ReplicationController obj, DateTimeOffset now) =>
    [
        obj.Metadata?.Name,
        (long)(obj.Spec?.Replicas ?? 0),
        (long)(obj.Status?.Replicas ?? 0),
        (long)(obj.Status?.ReadyReplicas ?? 0),
        HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
        LabelFormatting.ContainerNames(obj.Spec?.Template),
        LabelFormatting.ContainerImages(obj.Spec?.Template),
        obj.Spec?.Selector is { } selector ? LabelFormatting.FormatSelector(new V1LabelSelector { MatchLabels = selector }) : "<none>",
    ];
}
