using System.Globalization;
using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Events;

/// <summary>
/// What core and events.k8s.io events share, on the core shape: Kubernetes' event validation (the legacy rules for
/// core/v1 writers, the strict ones for events.k8s.io/v1), the event printer and the event field selectors.
/// </summary>
public static class EventRules
{
    private const int ReportingInstanceLimit = 128;
    private const int ActionLimit = 128;
    private const int ReasonLimit = 128;
    private const int NoteLimit = 1024;

    public static IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.String("Last Seen", "The time at which the most recent occurrence of this event was recorded."),
        Column.String("Type", "Type of this event (Normal, Warning), new types could be added in the future"),
        Column.String("Reason", "This should be a short, machine understandable string that gives the reason for the transition into the object's current status."),
        Column.String("Object", "The object that this event is about."),
        Column.String("Subobject", "If referring to a piece of an object instead of an entire object, this string should contain a valid JSON/Go field access statement, such as desiredState.manifest.containers[2].", 1),
        Column.String("Source", "The component reporting this event. Should be a short machine understandable string.", 1),
        Column.String("Message", "A human-readable description of the status of this operation."),
        Column.String("First Seen", "The time at which the event was first recorded. (Time of server receipt is in TypeMeta.)", 1),
        Column.String("Count", "The number of times this event has occurred.", 1),
        Column.Name with { Priority = 1 },
    ];

    /// <summary>ValidateEventCreate. <paramref name="strict"/> is true for events.k8s.io/v1 writers.</summary>
    public static IReadOnlyList<FieldError> Validate(Corev1Event e, bool strict)
    {
        var errors = new List<FieldError>();
        var ns = e.Metadata?.NamespaceProperty ?? string.Empty;
        var involvedNamespace = e.InvolvedObject?.NamespaceProperty ?? string.Empty;
        var reportingField = strict ? "reportingController" : "reportingComponent";
        if (e.EventTime is null)
        {
            var matches = involvedNamespace.Length == 0 ? ns is "" or "default" : ns == involvedNamespace;
            if (!matches)
            {
                errors.Add(FieldErrors.Invalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace"));
            }
        }
        else
        {
            if (involvedNamespace.Length == 0 && ns is not ("default" or "kube-system"))
            {
                errors.Add(FieldErrors.Invalid("involvedObject.namespace", involvedNamespace, "does not match event.namespace"));
            }

            if (string.IsNullOrEmpty(e.ReportingComponent))
            {
                errors.Add(FieldErrors.Required(reportingField));
            }

            errors.AddRange(FieldErrors.InvalidEach(reportingField, e.ReportingComponent ?? string.Empty, NameRules.QualifiedName(e.ReportingComponent ?? string.Empty)));
            RequireWithin(errors, "reportingInstance", e.ReportingInstance, ReportingInstanceLimit);
            RequireWithin(errors, "action", e.Action, ActionLimit);
            RequireWithin(errors, "reason", e.Reason, ReasonLimit);
            if ((e.Message?.Length ?? 0) > NoteLimit)
            {
                errors.Add(FieldErrors.Invalid("message", "", $"can have at most {NoteLimit} characters"));
            }
        }

        if (strict)
        {
            if (e.EventTime is null)
            {
                errors.Add(FieldErrors.Required("eventTime"));
            }

            if (e.Type is not ("Normal" or "Warning"))
            {
                errors.Add(FieldErrors.Invalid("type", "", $"has invalid value: {e.Type}"));
            }

            if (e.FirstTimestamp is not null)
            {
                errors.Add(FieldErrors.Invalid("firstTimestamp", "", "needs to be unset"));
            }

            if (e.LastTimestamp is not null)
            {
                errors.Add(FieldErrors.Invalid("lastTimestamp", "", "needs to be unset"));
            }

            if (e.Count is not null and not 0)
            {
                errors.Add(FieldErrors.Invalid("count", "", "needs to be unset"));
            }

            if (!string.IsNullOrEmpty(e.Source?.Component) || !string.IsNullOrEmpty(e.Source?.Host))
            {
                errors.Add(FieldErrors.Invalid("source", "", "needs to be unset"));
            }

            if (e.Series is { } series)
            {
                if (series.Count is null or < 2)
                {
                    errors.Add(FieldErrors.Invalid("series.count", "", "should be at least 2"));
                }

                if (series.LastObservedTime is null)
                {
                    errors.Add(FieldErrors.Required("series.lastObservedTime"));
                }
            }
        }

        return errors;
    }

    private static void RequireWithin(List<FieldError> errors, string field, string? value, int limit)
    {
        if (string.IsNullOrEmpty(value))
        {
            errors.Add(FieldErrors.Required(field));
        }
        else if (value.Length > limit)
        {
            errors.Add(FieldErrors.Invalid(field, "", $"can have at most {limit} characters"));
        }
    }

    /// <summary>printEvent's cells: LAST SEEN, TYPE, REASON, OBJECT, SUBOBJECT, SOURCE, MESSAGE, FIRST SEEN, COUNT, NAME.</summary>
    public static IReadOnlyList<object?> Cells(Corev1Event e, DateTimeOffset now)
    {
        var firstSeen = e.FirstTimestamp is null ? MicroSince(e.EventTime, now) : HumanDuration.Since(e.FirstTimestamp, now);
        var lastSeen = e.LastTimestamp is null ? firstSeen : HumanDuration.Since(e.LastTimestamp, now);
        long count = e.Count ?? 0;
        if (e.Series is not null)
        {
            lastSeen = MicroSince(e.Series.LastObservedTime, now);
            count = e.Series.Count ?? 0;
        }
        else if (count == 0)
        {
            count = 1; // singleton events of the new API carry no count
        }

        var involved = e.InvolvedObject ?? new V1ObjectReference();
        var kind = (involved.Kind ?? string.Empty).ToLowerInvariant();
        var target = string.IsNullOrEmpty(involved.Name) ? kind : $"{kind}/{involved.Name}";
        return
        [
            lastSeen,
            e.Type ?? string.Empty,
            e.Reason ?? string.Empty,
            target,
            involved.FieldPath ?? string.Empty,
            Source(e),
            (e.Message ?? string.Empty).Trim(),
            firstSeen,
            count,
            e.Metadata?.Name,
        ];
    }

    /// <summary>The fields <c>kubectl describe</c> and <c>get events --field-selector</c> select on.</summary>
    public static void AddSelectableFields(Corev1Event e, IDictionary<string, string> fields)
    {
        var involved = e.InvolvedObject ?? new V1ObjectReference();
        fields["involvedObject.kind"] = involved.Kind ?? string.Empty;
        fields["involvedObject.namespace"] = involved.NamespaceProperty ?? string.Empty;
        fields["involvedObject.name"] = involved.Name ?? string.Empty;
        fields["involvedObject.uid"] = involved.Uid ?? string.Empty;
        fields["involvedObject.apiVersion"] = involved.ApiVersion ?? string.Empty;
        fields["involvedObject.resourceVersion"] = involved.ResourceVersion ?? string.Empty;
        fields["involvedObject.fieldPath"] = involved.FieldPath ?? string.Empty;
        fields["reason"] = e.Reason ?? string.Empty;
        fields["reportingComponent"] = e.ReportingComponent ?? string.Empty;
        fields["source"] = string.IsNullOrEmpty(e.Source?.Component) ? e.ReportingComponent ?? string.Empty : e.Source.Component;
        fields["type"] = e.Type ?? string.Empty;
    }

    /// <summary>SOURCE: <c>component, host</c> from source, else reportingController and reportingInstance.</summary>
    private static string Source(Corev1Event e)
    {
        var component = string.IsNullOrEmpty(e.Source?.Component) ? e.ReportingComponent ?? string.Empty : e.Source.Component;
        var instance = string.IsNullOrEmpty(e.Source?.Host) ? e.ReportingInstance ?? string.Empty : e.Source.Host;
        return instance.Length == 0 ? component : string.Create(CultureInfo.InvariantCulture, $"{component}, {instance}");
    }

    private static string MicroSince(DateTime? time, DateTimeOffset now) =>
        time is null || time.Value == default ? "<unknown>" : HumanDuration.Format(now - Timestamps.ToInstant(time.Value));
}
