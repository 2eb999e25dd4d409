using k8s.Models;

namespace Skiff.Controllers.Jobs;

/// <summary>A job's condition types, reasons and messages as upstream writes them, and helpers to read and set them.</summary>
public static class JobConditions
{
    public const string Complete = "Complete";
    public const string Failed = "Failed";
    public const string FailureTarget = "FailureTarget";
    public const string SuccessCriteriaMet = "SuccessCriteriaMet";
    public const string Suspended = "Suspended";

    public const string BackoffLimitExceeded = "BackoffLimitExceeded";
    public const string BackoffLimitExceededMessage = "Job has reached the specified backoff limit";
    public const string DeadlineExceeded = "DeadlineExceeded";
    public const string DeadlineExceededMessage = "Job was active longer than specified deadline";
    public const string PodFailurePolicy = "PodFailurePolicy";
    public const string CompletionsReached = "CompletionsReached";
    public const string CompletionsReachedMessage = "Reached expected number of succeeded pods";

    public static V1JobCondition? Find(V1Job job, string type) =>
        job?.Status?.Conditions?.FirstOrDefault(c => c.Type == type && c.Status == "True");

    /// <summary>Complete or Failed: the job is done and its controller leaves it alone.</summary>
    public static bool IsFinished(V1Job job) => Find(job, Complete) is not null || Find(job, Failed) is not null;

    /// <summary>When the job finished (its Complete or Failed condition's transition), or null.</summary>
    public static DateTimeOffset? FinishedAt(V1Job job)
    {
        var condition = Find(job, Complete) ?? Find(job, Failed);
        return condition?.LastTransitionTime is { } time ? new DateTimeOffset(DateTime.SpecifyKind(time, DateTimeKind.Utc)) : null;
    }

    /// <summary>Sets condition <paramref name="type"/> in <paramref name="status"/>; the transition time changes only
    /// when the status does. Returns true when anything changed.</summary>
    public static bool Set(V1JobStatus status, string type, string conditionStatus, string reason, string message, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(status);
        status.Conditions ??= [];
        var existing = status.Conditions.FirstOrDefault(c => c.Type == type);
        if (existing is null)
        {
            // Like upstream, a False condition is only written over an existing one.
            if (conditionStatus != "True")
            {
                return false;
            }

            status.Conditions.Add(new V1JobCondition
            {
                Type = type, Status = conditionStatus, Reason = reason, Message = message,
                LastProbeTime = now.UtcDateTime, LastTransitionTime = now.UtcDateTime,
            });
            return true;
        }

        if (existing.Status == conditionStatus && existing.Reason == reason && existing.Message == message)
        {
            return false;
        }

        if (existing.Status != conditionStatus)
        {
            existing.LastTransitionTime = now.UtcDateTime;
        }

        existing.Status = conditionStatus;
        existing.Reason = reason;
        existing.Message = message;
        existing.LastProbeTime = now.UtcDateTime;
        return true;
    }
}
