using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Strategies.Workloads;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>
/// The rules of a deployment (apps/v1): defaults replicas 1, RollingUpdate 25%/25%, revisionHistoryLimit 10,
/// progressDeadlineSeconds 600 and the template's pod defaults; selector required, non-empty, matching the template
/// and immutable; strategy rules. Printer: NAME READY UP-TO-DATE AVAILABLE AGE | CONTAINERS IMAGES SELECTOR.
/// </summary>
public sealed class DeploymentStrategy : ResourceStrategy<V1Deployment>
{
    private static readonly string[] StrategyTypes = ["Recreate", "RollingUpdate"];

    public DeploymentStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: true, tracksGeneration: true)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.String("Ready", "Number of the pod with ready state"),
        Column.Integer("Up-to-date", "Total number of non-terminated pods targeted by this deployment that have the desired template spec."),
        Column.Integer("Available", "Total number of available pods (ready for at least minReadySeconds) targeted by this deployment."),
        Column.Age,
        WorkloadColumns.Containers,
        WorkloadColumns.Images,
        WorkloadColumns.Selector,
    ];

    protected override void ApplyDefaults(V1Deployment obj)
    {
        var spec = obj.Spec ??= new V1DeploymentSpec();
        spec.Replicas ??= 1;
        var strategy = spec.Strategy ??= new V1DeploymentStrategy();
        if (string.IsNullOrEmpty(strategy.Type))
        {
            strategy.Type = "RollingUpdate";
        }

        if (strategy.Type == "RollingUpdate")
        {
            var rolling = strategy.RollingUpdate ??= new V1RollingUpdateDeployment();
            rolling.MaxUnavailable ??= "25%";
            rolling.MaxSurge ??= "25%";
        }

        spec.RevisionHistoryLimit ??= 10;
        spec.ProgressDeadlineSeconds ??= 600;
        PodTemplateRules.ApplyDefaults(spec.Template);
    }

    protected override IEnumerable<FieldError> Validate(V1Deployment obj)
    {
        var spec = obj.Spec ?? new V1DeploymentSpec();
        var errors = new List<FieldError>();
        errors.AddRange(PodTemplateRules.NonNegative("spec.replicas", spec.Replicas));
        errors.AddRange(PodTemplateRules.ValidateSelector(spec.Selector, "spec.selector", "deployment"));
        errors.AddRange(PodTemplateRules.ValidateTemplate(spec.Template, spec.Selector, "spec.template"));
        errors.AddRange(PodTemplateRules.ValidateAlwaysRestart(spec.Template, "spec.template", "ReplicaSet"));
        errors.AddRange(PodTemplateRules.NonNegative("spec.minReadySeconds", spec.MinReadySeconds));
        errors.AddRange(PodTemplateRules.NonNegative("spec.revisionHistoryLimit", spec.RevisionHistoryLimit));
        if (spec.ProgressDeadlineSeconds is { } deadline)
        {
            errors.AddRange(PodTemplateRules.NonNegative("spec.progressDeadlineSeconds", deadline));
            if (deadline <= (spec.MinReadySeconds ?? 0))
            {
                errors.Add(FieldErrors.Invalid("spec.progressDeadlineSeconds", deadline, "must be greater than minReadySeconds"));
            }
        }

        ValidateStrategy(spec.Strategy, errors);
        return errors;
    }

    private static void ValidateStrategy(V1DeploymentStrategy? strategy, List<FieldError> errors)
    {
        if (strategy is null)
        {
            return;
        }

        if (!StrategyTypes.Contains(strategy.Type))
        {
            errors.Add(FieldErrors.NotSupported("spec.strategy.type", strategy.Type, StrategyTypes));
            return;
        }

        if (strategy.Type == "Recreate")
        {
            if (strategy.RollingUpdate is not null)
            {
                errors.Add(FieldErrors.Forbidden("spec.strategy.rollingUpdate", "may not be specified when strategy `type` is 'Recreate'"));
            }

            return;
        }

        var rolling = strategy.RollingUpdate;
        if (rolling is null)
        {
            return;
        }

        var unavailable = IntOrPercent.Validate(rolling.MaxUnavailable, "spec.strategy.rollingUpdate.maxUnavailable", errors);
        var surge = IntOrPercent.Validate(rolling.MaxSurge, "spec.strategy.rollingUpdate.maxSurge", errors);
        if (unavailable == 0 && surge == 0)
        {
            errors.Add(FieldErrors.Invalid("spec.strategy.rollingUpdate.maxUnavailable", IntOrPercent.BadValue(rolling.MaxUnavailable), "may not be 0 when `maxSurge` is 0"));
        }
    }

    protected override IEnumerable<FieldError> ValidateUpdate(V1Deployment obj, V1Deployment old)
    {
        var errors = new List<FieldError>(Validate(obj));
        if (!SameJson(obj.Spec?.Selector, old.Spec?.Selector))
        {
            errors.Add(FieldErrors.Immutable("spec.selector", GoValue.Selector(obj.Spec?.Selector)));
        }

        return errors;
    }

    protected override IReadOnlyList<object?> Cells(V1Deployment obj, DateTimeOffset now)
    {
        var status = obj.Status ?? new V1DeploymentStatus();
        return
        [
            obj.Metadata?.Name,
            $"{status.ReadyReplicas ?? 0}/{obj.Spec?.Replicas ?? 0}",
            (long)(status.UpdatedReplicas ?? 0),
            (long)(status.AvailableReplicas ?? 0),
            HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
            LabelFormatting.ContainerNames(obj.Spec?.Template),
            LabelFormatting.ContainerImages(obj.Spec?.Template),
            LabelFormatting.FormatSelector(obj.Spec?.Selector),
        ];
    }
}
