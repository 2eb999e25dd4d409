using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Strategies.Workloads;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>The rules of a daemon set (apps/v1): RollingUpdate maxUnavailable 1 / maxSurge 0 and
/// revisionHistoryLimit 10 by default; selector required, non-empty, matching the template and immutable. Printer:
/// NAME DESIRED CURRENT READY UP-TO-DATE AVAILABLE NODE SELECTOR AGE | CONTAINERS IMAGES SELECTOR.</summary>
public sealed class DaemonSetStrategy : ResourceStrategy<V1DaemonSet>
{
    private static readonly string[] StrategyTypes = ["OnDelete", "RollingUpdate"];

    public DaemonSetStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: true, tracksGeneration: true)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.Integer("Desired", "The total number of nodes that should be running the daemon pod (including nodes correctly running the daemon pod)."),
        Column.Integer("Current", "The number of nodes that are running at least 1 daemon pod and are supposed to run the daemon pod."),
        Column.Integer("Ready", "numberReady is the number of nodes that should be running the daemon pod and have one or more of the daemon pod running with a Ready Condition."),
        Column.Integer("Up-to-date", "The total number of nodes that are running updated daemon pod"),
        Column.Integer("Available", "The number of nodes that should be running the daemon pod and have one or more of the daemon pod running and available (ready for at least spec.minReadySeconds)"),
        Column.String("Node Selector", "NodeSelector is a selector which must be true for the pod to fit on a node. Selector which must match a node's labels for the pod to be scheduled on that node."),
        Column.Age,
        WorkloadColumns.Containers,
        WorkloadColumns.Images,
        WorkloadColumns.Selector,
    ];

    protected override void ApplyDefaults(V1DaemonSet obj)
    {
        var spec = obj.Spec ??= new V1DaemonSetSpec();
        var strategy = spec.UpdateStrategy ??= new V1DaemonSetUpdateStrategy();
        if (string.IsNullOrEmpty(strategy.Type))
        {
            strategy.Type = "RollingUpdate";
        }

        if (strategy.Type == "RollingUpdate")
        {
            var rolling = strategy.RollingUpdate ??= new V1RollingUpdateDaemonSet();
            rolling.MaxUnavailable ??= 1;
            rolling.MaxSurge ??= 0;
        }

        spec.RevisionHistoryLimit ??= 10;
        PodTemplateRules.ApplyDefaults(spec.Template);
    }

    protected override IEnumerable<FieldError> Validate(V1DaemonSet obj)
    {
        var spec = obj.Spec ?? new V1DaemonSetSpec();
        var errors = new List<FieldError>();
        errors.AddRange(PodTemplateRules.ValidateSelector(spec.Selector, "spec.selector", "daemonset"));
        errors.AddRange(PodTemplateRules.ValidateTemplate(spec.Template, spec.Selector, "spec.template"));
        errors.AddRange(PodTemplateRules.ValidateAlwaysRestart(spec.Template, "spec.template", "DaemonSet"));
        errors.AddRange(PodTemplateRules.NonNegative("spec.minReadySeconds", spec.MinReadySeconds));
        errors.AddRange(PodTemplateRules.NonNegative("spec.revisionHistoryLimit", spec.RevisionHistoryLimit));
        var type = spec.UpdateStrategy?.Type;
        if (type is not null && !StrategyTypes.Contains(type))
        {
            errors.Add(FieldErrors.NotSupported("spec.updateStrategy.type", type, StrategyTypes));
        }
        else if (spec.UpdateStrategy?.RollingUpdate is { } rolling)
        {
            var unavailable = IntOrPercent.Validate(rolling.MaxUnavailable, "spec.updateStrategy.rollingUpdate.maxUnavailable", errors);
            var surge = IntOrPercent.Validate(rolling.MaxSurge, "spec.updateStrategy.rollingUpdate.maxSurge", errors);
            if (unavailable == 0 && surge == 0)
            {
                errors.Add(FieldErrors.Invalid("spec.updateStrategy.rollingUpdate.maxUnavailable", IntOrPercent.BadValue(rolling.MaxUnavailable), "may not be 0 when `maxSurge` is 0"));
            }
        }

        return errors;
    }

    protected override IEnumerable<FieldError> ValidateUpdate(V1DaemonSet obj, V1DaemonSet old)
    {
        var errors = new List<FieldError>(Validate(obj));
        if (!SameJson(obj.Spec?.Selector, old.Spec?.Selector))
        {
            errors.Add(FieldErrors.Immutable("spec.selector", GoValue.Selector(obj.Spec?.Selector)));
        }

        return errors;
    }

    protected override IReadOnlyList<object?> Cells(V1DaemonSet obj, DateTimeOffset now)
    {
        var status = obj.Status ?? new V1DaemonSetStatus();
        return
        [
            obj.Metadata?.Name,
            (long)status.DesiredNumberScheduled,
            (long)status.CurrentNumberScheduled,
            (long)status.NumberReady,
            (long)(status.UpdatedNumberScheduled ?? 0),
            (long)(status.NumberAvailable ?? 0),
            LabelFormatting.FormatLabels(obj.Spec?.Template?.Spec?.NodeSelector),
            HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
            LabelFormatting.ContainerNames(obj.Spec?.Template),
            LabelFormatting.ContainerImages(obj.Spec?.Template),
            LabelFormatting.FormatSelector(obj.Spec?.Selector),
        ];
    }
}
