using System.Text.RegularExpressions;
using k8s.Models;
using Skiff.Api.Cron;
using Skiff.Api.Text;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Strategies.Workloads;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>
/// The rules of a cronjob (batch/v1): defaults (concurrencyPolicy Allow, suspend false, history limits 3 successful and
/// 1 failed), the schedule as upstream's cron parser reads it (no <c>TZ=</c>/<c>CRON_TZ=</c> in it: the timeZone field
/// says that), an IANA timeZone, names of at most 52 characters (the job names add 11), and the job template's restart
/// policy. Printer: NAME SCHEDULE TIMEZONE SUSPEND ACTIVE LAST SCHEDULE AGE | CONTAINERS IMAGES SELECTOR.
/// </summary>
public sealed partial class CronJobStrategy : ResourceStrategy<V1CronJob>
{
    /// <summary>DNS-1035 label length minus the 11 characters of a job's "-&lt;minutes&gt;" suffix.</summary>
    public const int MaxNameLength = 52;

    private static readonly string[] ConcurrencyPolicies = ["Allow", "Forbid", "Replace"];
    private static readonly string[] RestartPolicies = ["OnFailure", "Never"];

    public CronJobStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: true, tracksGeneration: true)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.String("Schedule", "The schedule in Cron format, see https://en.wikipedia.org/wiki/Cron."),
        Column.String("Timezone", "The time zone name for the given schedule, see https://en.wikipedia.org/wiki/List_of_tz_database_time_zones. If not specified, this will default to the time zone of the kube-controller-manager process. The set of valid time zone names and the time zone offset is loaded from the system-wide time zone database by the API server during CronJob validation and the controller manager during execution. If no system-wide time zone database can be found a bundled version of the database is used instead. If the time zone name becomes invalid during the lifetime of a CronJob or due to a change in host configuration, the controller will stop creating new new Jobs and will create a system event with the reason UnknownTimeZone. More information can be found in https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/#time-zones"),
        new TableColumn("Suspend", "boolean", "", "This flag tells the controller to suspend subsequent executions, it does not apply to already started executions.  Defaults to false.", 0),
        Column.Integer("Active", "A list of pointers to currently running jobs."),
        Column.String("Last Schedule", "Information when was the last time the job was successfully scheduled."),
        Column.Age,
        WorkloadColumns.Containers,
        WorkloadColumns.Images,
        Column.String("Selector", "A label query over pods that should match the pod count. Normally, the system sets this field for you. More info: https://kubernetes.io/docs/concepts/overview/working-with-objects/labels/#label-selectors", 1),
    ];

    protected override void ApplyDefaults(V1CronJob obj)
    {
        var spec = obj.Spec ??= new V1CronJobSpec();
        if (string.IsNullOrEmpty(spec.ConcurrencyPolicy))
        {
            spec.ConcurrencyPolicy = "Allow";
        }

        spec.Suspend ??= false;
        spec.SuccessfulJobsHistoryLimit ??= 3;
        spec.FailedJobsHistoryLimit ??= 1;
        PodTemplateRules.ApplyDefaults(spec.JobTemplate?.Spec?.Template);
    }

    /// <summary>upstream's AllowTZInSchedule: an object stored with a TZ prefix before it was refused may keep it.</summary>
    protected override IEnumerable<FieldError> ValidateUpdate(V1CronJob obj, V1CronJob old) =>
        Validate(obj, allowTimeZoneInSchedule: old?.Spec?.Schedule?.Contains("TZ", StringComparison.Ordinal) == true);

    protected override IEnumerable<FieldError> Validate(V1CronJob obj) => Validate(obj, allowTimeZoneInSchedule: false);

    private static List<FieldError> Validate(V1CronJob obj, bool allowTimeZoneInSchedule)
    {
        var spec = obj.Spec ?? new V1CronJobSpec();
        var errors = new List<FieldError>();
        if (obj.Metadata?.Name is { Length: > MaxNameLength } name)
        {
            errors.Add(FieldErrors.Invalid("metadata.name", name, "must be no more than 52 characters"));
        }

        if (string.IsNullOrEmpty(spec.Schedule))
        {
            errors.Add(FieldErrors.Required("spec.schedule"));
        }
        else
        {
            if (CronScheduleSyntax.Normalize(spec.Schedule).Error is { } error)
            {
                errors.Add(FieldErrors.Invalid("spec.schedule", spec.Schedule, error));
            }

            if (!allowTimeZoneInSchedule && spec.Schedule.Contains("TZ", StringComparison.Ordinal))
            {
                errors.Add(FieldErrors.Invalid("spec.schedule", spec.Schedule, "cannot use TZ or CRON_TZ in schedule, use timeZone field instead"));
            }
        }

        errors.AddRange(ValidateTimeZone(spec.TimeZone));
        if (!ConcurrencyPolicies.Contains(spec.ConcurrencyPolicy))
        {
            errors.Add(string.IsNullOrEmpty(spec.ConcurrencyPolicy)
                ? FieldErrors.Required("spec.concurrencyPolicy")
                : FieldErrors.NotSupported("spec.concurrencyPolicy", spec.ConcurrencyPolicy, ConcurrencyPolicies));
        }

        errors.AddRange(PodTemplateRules.NonNegative("spec.startingDeadlineSeconds", spec.StartingDeadlineSeconds));
        errors.AddRange(PodTemplateRules.NonNegative("spec.successfulJobsHistoryLimit", spec.SuccessfulJobsHistoryLimit));
        errors.AddRange(PodTemplateRules.NonNegative("spec.failedJobsHistoryLimit", spec.FailedJobsHistoryLimit));
        var jobSpec = spec.JobTemplate?.Spec;
        if (jobSpec is null)
        {
            errors.Add(FieldErrors.Required("spec.jobTemplate.spec.template"));
            return errors;
        }

        errors.AddRange(PodTemplateRules.NonNegative("spec.jobTemplate.spec.parallelism", jobSpec.Parallelism));
        errors.AddRange(PodTemplateRules.NonNegative("spec.jobTemplate.spec.completions", jobSpec.Completions));
        errors.AddRange(PodTemplateRules.NonNegative("spec.jobTemplate.spec.backoffLimit", jobSpec.BackoffLimit));
        errors.AddRange(PodTemplateRules.ValidateTemplate(jobSpec.Template, jobSpec.Selector, "spec.jobTemplate.spec.template"));
        var restartPolicy = jobSpec.Template?.Spec?.RestartPolicy;
        if (jobSpec.Template?.Spec is not null && !RestartPolicies.Contains(restartPolicy))
        {
            errors.Add(FieldErrors.NotSupported("spec.jobTemplate.spec.template.spec.restartPolicy", restartPolicy, RestartPolicies));
        }

        return errors;
    }

    protected override IReadOnlyList<object?> Cells(V1CronJob obj, DateTimeOffset now)
    {
        var spec = obj.Spec ?? new V1CronJobSpec();
        var template = spec.JobTemplate?.Spec;
        return
        [
            obj.Metadata?.Name,
            spec.Schedule,
            string.IsNullOrEmpty(spec.TimeZone) ? "<none>" : spec.TimeZone,
            spec.Suspend == true ? "True" : "False",
            obj.Status?.Active?.Count ?? 0,
            obj.Status?.LastScheduleTime is { } last ? HumanDuration.Since(last, now) : "<none>",
            HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
            LabelFormatting.ContainerNames(template?.Template),
            LabelFormatting.ContainerImages(template?.Template),
            template?.Selector is null ? "<none>" : LabelFormatting.FormatSelector(template.Selector),
        ];
    }

    /// <summary>upstream's validateTimeZone: an explicit IANA name the server knows.</summary>
    private static IEnumerable<FieldError> ValidateTimeZone(string? timeZone)
    {
        if (timeZone is null)
        {
            yield break;
        }

        if (timeZone.Length == 0)
        {
            yield return FieldErrors.Invalid("spec.timeZone", timeZone, "timeZone must be nil or non-empty string");
            yield break;
        }

        if (timeZone.Split('/').Any(part => part is "." or ".." || part.StartsWith('-') || !TimeZonePart().IsMatch(part)))
        {
            yield return FieldErrors.Invalid("spec.timeZone", timeZone, $"unknown time zone {timeZone}");
            yield break;
        }

        if (string.Equals(timeZone, "Local", StringComparison.OrdinalIgnoreCase))
        {
            yield return FieldErrors.Invalid("spec.timeZone", timeZone, "timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones");
            yield break;
        }

        if (timeZone != "UTC" && !TimeZoneInfo.TryFindSystemTimeZoneById(timeZone, out _))
        {
            yield return FieldErrors.Invalid("spec.timeZone", timeZone, $"unknown time zone {timeZone}");
        }
    }

    [GeneratedRegex("^[A-Za-z\\.\\-_0-9+]{1,14}$")]
    private static partial Regex TimeZonePart();
}
