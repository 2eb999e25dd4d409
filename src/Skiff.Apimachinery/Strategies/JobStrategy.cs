using System.Globalization;
using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Strategies.Workloads;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>
/// The rules of a job (batch/v1): defaults (parallelism and completions 1, backoffLimit 6, completionMode NonIndexed,
/// suspend false, podReplacementPolicy), the generated selector and pod labels
/// (<c>batch.kubernetes.io/controller-uid</c>, <c>batch.kubernetes.io/job-name</c> and their legacy twins), restartPolicy
/// OnFailure or Never, an immutable selector and (unless suspended) template. Printer: NAME STATUS COMPLETIONS
/// DURATION AGE | CONTAINERS IMAGES SELECTOR.
/// </summary>
/// <remarks>The selector is generated from the uid, which the registry sets before <c>PrepareForCreate</c>.</remarks>
public sealed class JobStrategy : ResourceStrategy<V1Job>
{
    public const string ControllerUidLabel = "batch.kubernetes.io/controller-uid";
    public const string JobNameLabel = "batch.kubernetes.io/job-name";
    public const string LegacyControllerUidLabel = "controller-uid";
    public const string LegacyJobNameLabel = "job-name";
    private static readonly string[] RestartPolicies = ["OnFailure", "Never"];
    private static readonly string[] CompletionModes = ["NonIndexed", "Indexed"];

    public JobStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: true, tracksGeneration: true)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.String("Status", "Status of the job."),
        Column.String("Completions", "The successful completion count out of the desired count."),
        Column.String("Duration", "Time required to complete the job."),
        Column.Age,
        WorkloadColumns.Containers,
        WorkloadColumns.Images,
        Column.String("Selector", "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", 1),
    ];

    protected override void ApplyDefaults(V1Job obj)
    {
        var spec = obj.Spec ??= new V1JobSpec();
        if (spec.Completions is null && spec.Parallelism is null)
        {
            spec.Completions = 1;
            spec.Parallelism = 1;
        }

        spec.Parallelism ??= 1;
        spec.BackoffLimit ??= spec.BackoffLimitPerIndex is null ? 6 : int.MaxValue;
        if (string.IsNullOrEmpty(spec.CompletionMode))
        {
            spec.CompletionMode = "NonIndexed";
        }

        spec.Suspend ??= false;
        if (string.IsNullOrEmpty(spec.PodReplacementPolicy))
        {
            spec.PodReplacementPolicy = spec.PodFailurePolicy is null ? "TerminatingOrFailed" : "Failed";
        }

        spec.ManualSelector = spec.ManualSelector == true ? true : null;
        PodTemplateRules.ApplyDefaults(spec.Template);
    }

    protected override void OnCreate(V1Job obj, DateTimeOffset now)
    {
        var spec = obj.Spec;
        var uid = obj.Metadata.Uid;
        if (spec.ManualSelector == true || string.IsNullOrEmpty(uid))
        {
            return;
        }

        // generateSelector: the pods carry the job's uid and name; the selector matches the uid.
        var template = spec.Template ??= new V1PodTemplateSpec();
        var labels = (template.Metadata ??= new V1ObjectMeta()).Labels ??= new Dictionary<string, string>();
        labels[ControllerUidLabel] = uid;
        labels[JobNameLabel] = obj.Metadata.Name ?? string.Empty;
        labels[LegacyControllerUidLabel] = uid;
        labels[LegacyJobNameLabel] = obj.Metadata.Name ?? string.Empty;
        spec.Selector ??= new V1LabelSelector();
        (spec.Selector.MatchLabels ??= new Dictionary<string, string>())[ControllerUidLabel] = uid;
    }

    /// <summary>upstream's rules for backoffLimitPerIndex, maxFailedIndexes and the FailIndex action.</summary>
    private static List<FieldError> ValidatePerIndexLimits(V1JobSpec spec)
    {
        var errors = new List<FieldError>();
        if (spec.BackoffLimitPerIndex is { } perIndex)
        {
            errors.AddRange(PodTemplateRules.NonNegative("spec.backoffLimitPerIndex", perIndex));
            if (spec.CompletionMode != "Indexed")
            {
                errors.Add(FieldErrors.Invalid("spec.backoffLimitPerIndex", perIndex, "requires indexed completion mode"));
            }
        }

        if (spec.MaxFailedIndexes is { } maxFailed)
        {
            errors.AddRange(PodTemplateRules.NonNegative("spec.maxFailedIndexes", maxFailed));
            if (spec.BackoffLimitPerIndex is null)
            {
                errors.Add(FieldErrors.Required("spec.backoffLimitPerIndex", "when maxFailedIndexes is specified"));
            }

            if (spec.Completions is { } completions && maxFailed > completions)
            {
                errors.Add(FieldErrors.Invalid("spec.maxFailedIndexes", maxFailed, "must be less than or equal to completions"));
            }
        }

        var rules = spec.PodFailurePolicy?.Rules ?? [];
        for (var i = 0; i < rules.Count; i++)
        {
            if (rules[i].Action == "FailIndex" && spec.BackoffLimitPerIndex is null)
            {
                errors.Add(FieldErrors.Invalid($"spec.podFailurePolicy.rules[{i}].action", rules[i].Action, "requires the backoffLimitPerIndex to be set"));
            }
        }

        return errors;
    }

    protected override IEnumerable<FieldError> Validate(V1Job obj)
    {
        var spec = obj.Spec ?? new V1JobSpec();
        var errors = new List<FieldError>();
        errors.AddRange(PodTemplateRules.NonNegative("spec.parallelism", spec.Parallelism));
        errors.AddRange(PodTemplateRules.NonNegative("spec.completions", spec.Completions));
        errors.AddRange(PodTemplateRules.NonNegative("spec.backoffLimit", spec.BackoffLimit));
        errors.AddRange(PodTemplateRules.NonNegative("spec.ttlSecondsAfterFinished", spec.TtlSecondsAfterFinished));
        if (spec.ActiveDeadlineSeconds is <= 0)
        {
            errors.Add(FieldErrors.Invalid("spec.activeDeadlineSeconds", spec.ActiveDeadlineSeconds, "must be greater than 0"));
        }

        if (!CompletionModes.Contains(spec.CompletionMode))
        {
            errors.Add(FieldErrors.NotSupported("spec.completionMode", spec.CompletionMode, CompletionModes));
        }
        else if (spec.CompletionMode == "Indexed" && spec.Completions is null)
        {
            errors.Add(FieldErrors.Required("spec.completions", "when completion mode is Indexed"));
        }

        errors.AddRange(ValidatePerIndexLimits(spec));
        errors.AddRange(PodTemplateRules.ValidateSelector(spec.Selector, "spec.selector", "job"));
        errors.AddRange(PodTemplateRules.ValidateTemplate(spec.Template, spec.Selector, "spec.template"));
        var restartPolicy = spec.Template?.Spec?.RestartPolicy;
        if (spec.Template?.Spec is not null && !RestartPolicies.Contains(restartPolicy))
        {
            errors.Add(FieldErrors.NotSupported("spec.template.spec.restartPolicy", restartPolicy, RestartPolicies));
        }

        return errors;
    }

    protected override IEnumerable<FieldError> ValidateUpdate(V1Job obj, V1Job old)
    {
        var errors = new List<FieldError>(Validate(obj));
        if (!SameJson(obj.Spec?.Selector, old.Spec?.Selector))
        {
            errors.Add(FieldErrors.Immutable("spec.selector", GoValue.Selector(obj.Spec?.Selector)));
        }

        if (old.Spec?.Suspend != true && !SameJson(obj.Spec?.Template, old.Spec?.Template))
        {
            errors.Add(FieldErrors.Immutable("spec.template", new GoValue("core.PodTemplateSpec{...}")));
        }

        if (obj.Spec?.CompletionMode != old.Spec?.CompletionMode)
        {
            errors.Add(FieldErrors.Immutable("spec.completionMode", obj.Spec?.CompletionMode));
        }

        return errors;
    }

    protected override IReadOnlyList<object?> Cells(V1Job obj, DateTimeOffset now)
    {
        var spec = obj.Spec ?? new V1JobSpec();
        var status = obj.Status ?? new V1JobStatus();
        var succeeded = status.Succeeded ?? 0;
        var completions = spec.Completions is { } wanted
            ? Invariant($"{succeeded}/{wanted}")
            : spec.Parallelism is > 1 ? Invariant($"{succeeded}/1 of {spec.Parallelism}") : Invariant($"{succeeded}/1");
        var duration = status.StartTime is null
            ? string.Empty
            : status.CompletionTime is null
                ? HumanDuration.Since(status.StartTime, now)
                : HumanDuration.Format(Timestamps.ToInstant(status.CompletionTime.Value) - Timestamps.ToInstant(status.StartTime.Value));
        return
        [
            obj.Metadata?.Name,
            Status(obj),
            completions,
            duration,
            HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
            LabelFormatting.ContainerNames(spec.Template),
            LabelFormatting.ContainerImages(spec.Template),
            LabelFormatting.FormatSelector(spec.Selector),
        ];
    }

    /// <summary>The STATUS cell: Complete, Failed, Terminating, Suspended, FailureTarget, SuccessCriteriaMet or Running.</summary>
    public static string Status(V1Job job)
    {
        bool Has(string type) => (job.Status?.Conditions ?? []).Any(c => c.Type == type && c.Status == "True");
        if (Has("Complete"))
        {
            return "Complete";
        }

        if (Has("Failed"))
        {
            return "Failed";
        }

        if (job.Metadata?.DeletionTimestamp is not null)
        {
            return "Terminating";
        }

        return Has("Suspended") ? "Suspended"
            : Has("FailureTarget") ? "FailureTarget"
            : Has("SuccessCriteriaMet") ? "SuccessCriteriaMet"
            : "Running";
    }

    private static string Invariant(FormattableString text) => text.ToString(CultureInfo.InvariantCulture);
}
