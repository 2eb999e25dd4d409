using System.Globalization;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Api.Json;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Informers;
using Skiff.Client.Queue;
using Skiff.Controllers.Common;
using Skiff.Controllers.Jobs;

namespace Skiff.Controllers.CronJobs;

/// <summary>
/// The CronJob controller (upstream's cronjob controller v2): keeps <c>status.active</c> in step with the cronjob's
/// jobs, starts a job named <c>&lt;cronjob&gt;-&lt;minutes since the epoch&gt;</c> for the most recent unmet scheduled
/// time (within <c>startingDeadlineSeconds</c>, honouring <c>concurrencyPolicy</c> and <c>suspend</c>), deletes finished
/// jobs beyond the history limits, and sleeps until the next scheduled time of the cronjob's time zone.
/// </summary>
public sealed class CronJobController : IDisposable
{
    public const string ScheduledTimestampAnnotation = "batch.kubernetes.io/cronjob-scheduled-timestamp";

    /// <summary>upstream: more missed start times than this is reported (and then the most recent is started).</summary>
    public const int TooManyMissed = 100;

    private readonly IApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IEventRecorder _events;
    private readonly SharedInformer<V1CronJob> _cronJobs;
    private readonly SharedInformer<V1Job> _jobs;
    private readonly List<IHandlerRegistration> _registrations = [];

    public CronJobController(ComponentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _api = context.Api;
        _time = context.Time;
        _logger = context.Loggers.CreateLogger("Skiff.Controllers.CronJob");
        _events = context.Events.NewRecorder("cronjob-controller");
        _cronJobs = context.Informers.Get<V1CronJob>();
        _jobs = context.Informers.Get<V1Job>();
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_time), _time, "cronjob");
        _registrations.Add(_cronJobs.AddEventHandler(new ResourceEventHandler<V1CronJob>
        {
            Added = (cj, _) => Queue.Add(ObjectKeys.Of(cj)),
            Updated = (_, cj) => Queue.Add(ObjectKeys.Of(cj)),
        }));
        _registrations.Add(_jobs.AddEventHandler(new ResourceEventHandler<V1Job>
        {
            Added = (job, _) => EnqueueOwner(job),
            Updated = (_, job) => EnqueueOwner(job),
            Deleted = (job, _) => EnqueueOwner(job),
        }));
    }

    public WorkQueue<string> Queue { get; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_cronJobs.WaitForSyncAsync(cancellationToken), _jobs.WaitForSyncAsync(cancellationToken));
        await QueueWorkers.RunAsync(Queue, workers, SyncAsync, _logger, cancellationToken);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        Queue.Dispose();
    }

    /// <summary>The job name for a scheduled time: the cronjob's name and the minutes since the Unix epoch.</summary>
    public static string JobName(string cronJobName, DateTimeOffset scheduled) =>
        string.Create(CultureInfo.InvariantCulture, $"{cronJobName}-{scheduled.ToUnixTimeSeconds() / 60}");

    public async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var cached = _cronJobs.Cache.GetByKey(key);
        if (cached is null)
        {
            return;
        }

        var cronJob = ObjectCopy.Clone(cached);
        var before = ModelJson.Serialize(cronJob.Status ?? new V1CronJobStatus());
        cronJob.Status ??= new V1CronJobStatus();
        var jobs = _jobs.Cache.ByIndex(Indexers.Owner, cronJob.Metadata.Uid)
            .Where(j => ControllerRefs.ControllerOf(j.Metadata)?.Uid == cronJob.Metadata.Uid)
            .ToList();
        await ReconcileActiveAsync(cronJob, jobs, cancellationToken);

        TimeSpan? requeue = null;
        if (cronJob.Metadata.DeletionTimestamp is null)
        {
            requeue = await ScheduleAsync(cronJob, cancellationToken);
            await CleanUpFinishedJobsAsync(cronJob, jobs, cancellationToken);
        }

        if (ModelJson.Serialize(cronJob.Status) != before)
        {
            try
            {
                await _api.UpdateStatusAsync(cronJob, cancellationToken);
            }
            catch (ApiException e) when (e.IsNotFound)
            {
                return;
            }
        }

        if (requeue is { } delay)
        {
            Queue.AddAfter(key, delay);
        }
    }

    /// <summary>Drops finished and vanished jobs from status.active and records the last successful time.</summary>
    private async Task ReconcileActiveAsync(V1CronJob cronJob, List<V1Job> jobs, CancellationToken cancellationToken)
    {
        var status = cronJob.Status;
        status.Active ??= [];
        var children = jobs.Select(j => j.Metadata.Uid).ToHashSet(StringComparer.Ordinal);
        foreach (var job in jobs)
        {
            var listed = status.Active.Any(a => a.Uid == job.Metadata.Uid);
            var finished = JobConditions.Find(job, JobConditions.Complete) ?? JobConditions.Find(job, JobConditions.Failed);
            if (!listed && finished is null)
            {
                _events.Event(cronJob, EventTypes.Warning, "UnexpectedJob", $"Saw a job that the controller did not create or forgot: {job.Metadata.Name}");
            }
            else if (listed && finished is not null)
            {
                status.Active = status.Active.Where(a => a.Uid != job.Metadata.Uid).ToList();
                _events.Event(cronJob, EventTypes.Normal, "SawCompletedJob", $"Saw completed job: {job.Metadata.Name}, condition: {finished.Type}");
            }

            if (finished?.Type == JobConditions.Complete && job.Status?.CompletionTime is { } completed
                && (status.LastSuccessfulTime is null || completed > status.LastSuccessfulTime))
            {
                status.LastSuccessfulTime = completed;
            }
        }

        foreach (var reference in status.Active.Where(a => !children.Contains(a.Uid)).ToList())
        {
            // The cache may not show a job created a moment ago: ask the API before forgetting it.
            var job = await _api.GetAsync<V1Job>(reference.NamespaceProperty ?? cronJob.Metadata.NamespaceProperty, reference.Name, cancellationToken);
            if (job is null || job.Metadata.Uid != reference.Uid)
            {
                _events.Event(cronJob, EventTypes.Normal, "MissingJob", $"Active job went missing: {reference.Name}");
                status.Active = status.Active.Where(a => a.Uid != reference.Uid).ToList();
            }
        }

        if (status.Active.Count == 0)
        {
            status.Active = null;
        }
    }

    /// <summary>Starts the job of the most recent unmet scheduled time, if any may start; returns when to look again.</summary>
    private async Task<TimeSpan?> ScheduleAsync(V1CronJob cronJob, CancellationToken cancellationToken)
    {
        var spec = cronJob.Spec;
        var zone = _time.LocalTimeZone;
        if (!string.IsNullOrEmpty(spec.TimeZone) && !TimeZoneInfo.TryFindSystemTimeZoneById(spec.TimeZone, out zone))
        {
            _events.Event(cronJob, EventTypes.Warning, "UnknownTimeZone", $"invalid timeZone: \"{spec.TimeZone}\": unknown time zone {spec.TimeZone}");
            return null;
        }

        if (spec.Suspend == true)
        {
            return null;
        }

        if (spec.Schedule?.Contains("TZ", StringComparison.Ordinal) == true)
        {
            _events.Event(cronJob, EventTypes.Warning, "UnsupportedSchedule",
                $"CRON_TZ or TZ used in schedule \"{spec.Schedule}\" is not officially supported, see https://kubernetes.io/docs/concepts/workloads/controllers/cron-jobs/ for more details");
        }

        var (schedule, error) = CronSchedule.Parse(spec.Schedule, zone);
        if (schedule is null)
        {
            _events.Event(cronJob, EventTypes.Warning, "UnparseableSchedule", $"unparseable schedule: \"{spec.Schedule}\" : {error}");
            return null;
        }

        var now = _time.GetUtcNow();
        var earliest = cronJob.Status.LastScheduleTime is { } last ? Utc(last) : Utc(cronJob.Metadata.CreationTimestamp ?? now.UtcDateTime);
        if (spec.StartingDeadlineSeconds is { } deadline && now.AddSeconds(-deadline) > earliest)
        {
            earliest = now.AddSeconds(-deadline);
        }

        var (scheduled, missed) = schedule.MostRecent(earliest, now);
        if (missed > TooManyMissed)
        {
            _events.Event(cronJob, EventTypes.Warning, "TooManyMissedTimes", $"too many missed start times: {missed}. Set or decrease .spec.startingDeadlineSeconds or check clock skew");
        }

        var untilNext = UntilNext(schedule, now);
        if (scheduled is not { } time)
        {
            return untilNext;
        }

        if (spec.StartingDeadlineSeconds is { } startingDeadline && time.AddSeconds(startingDeadline) < now)
        {
            _events.Event(cronJob, EventTypes.Warning, "MissSchedule", $"Missed scheduled time to start a job: {time.ToOffset(zone.GetUtcOffset(time)).ToString("ddd, dd MMM yyyy HH:mm:ss zzz", CultureInfo.InvariantCulture).Remove(29, 1)}");
            return untilNext;
        }

        var name = JobName(cronJob.Metadata.Name, time);
        if (cronJob.Status.Active?.Any(a => a.Name == name) == true)
        {
            return untilNext;
        }

        if (spec.ConcurrencyPolicy == "Forbid" && cronJob.Status.Active is { Count: > 0 })
        {
            _events.Event(cronJob, EventTypes.Normal, "JobAlreadyActive", "Not starting job because prior execution is running and concurrency policy is Forbid");
            return untilNext;
        }

        if (spec.ConcurrencyPolicy == "Replace")
        {
            foreach (var reference in (cronJob.Status.Active ?? []).ToList())
            {
                await DeleteJobAsync(cronJob, reference.Name, reference.Uid, cancellationToken);
                cronJob.Status.Active!.Remove(reference);
            }

            if (cronJob.Status.Active is { Count: 0 })
            {
                cronJob.Status.Active = null;
            }
        }

        V1Job created;
        try
        {
            created = await _api.CreateAsync(NewJob(cronJob, name, time, zone), cancellationToken);
        }
        catch (ApiException e) when (e.IsAlreadyExists)
        {
            // Another actor (or an earlier sync whose status write was lost) made it: that job speaks for this time.
            return untilNext;
        }
        catch (ApiException e)
        {
            _events.Event(cronJob, EventTypes.Warning, "FailedCreate", $"Error creating job: {e.Message}");
            throw;
        }

        _events.Event(cronJob, EventTypes.Normal, "SuccessfulCreate", $"Created job {created.Metadata.Name}");
        (cronJob.Status.Active ??= []).Add(new V1ObjectReference
        {
            ApiVersion = "batch/v1", Kind = "Job", NamespaceProperty = created.Metadata.NamespaceProperty, Name = created.Metadata.Name,
            Uid = created.Metadata.Uid, ResourceVersion = created.Metadata.ResourceVersion,
        });
        cronJob.Status.LastScheduleTime = time.UtcDateTime;
        return untilNext;
    }

    /// <summary>Deletes the oldest finished jobs beyond successfulJobsHistoryLimit / failedJobsHistoryLimit.</summary>
    private async Task CleanUpFinishedJobsAsync(V1CronJob cronJob, List<V1Job> jobs, CancellationToken cancellationToken)
    {
        var succeeded = jobs.Where(j => JobConditions.Find(j, JobConditions.Complete) is not null).ToList();
        var failed = jobs.Where(j => JobConditions.Find(j, JobConditions.Failed) is not null).ToList();
        foreach (var (finished, limit) in new[] { (succeeded, cronJob.Spec.SuccessfulJobsHistoryLimit), (failed, cronJob.Spec.FailedJobsHistoryLimit) })
        {
            if (limit is not { } keep || finished.Count <= keep)
            {
                continue;
            }

            // Oldest first by start time (jobs that never started last), then by name.
            var oldest = finished
                .OrderBy(j => j.Status?.StartTime is null ? 1 : 0)
                .ThenBy(j => j.Status?.StartTime)
                .ThenBy(j => j.Metadata.Name, StringComparer.Ordinal)
                .Take(finished.Count - keep);
            foreach (var job in oldest)
            {
                await DeleteJobAsync(cronJob, job.Metadata.Name, job.Metadata.Uid, cancellationToken);
            }
        }
    }

    private async Task DeleteJobAsync(V1CronJob cronJob, string name, string uid, CancellationToken cancellationToken)
    {
        try
        {
            await _api.DeleteAsync<V1Job>(cronJob.Metadata.NamespaceProperty, name, new V1DeleteOptions
            {
                PropagationPolicy = "Background", Preconditions = new V1Preconditions { Uid = uid },
            }, cancellationToken);
            _events.Event(cronJob, EventTypes.Normal, "SuccessfulDelete", $"Deleted job {name}");
        }
        catch (ApiException e) when (e.IsNotFound)
        {
        }
        catch (ApiException e)
        {
            _events.Event(cronJob, EventTypes.Warning, "FailedDelete", $"Deleted job: {e.Message}");
            throw;
        }
    }

    /// <summary>upstream's getJobFromTemplate2: the template's labels, annotations and spec, the scheduled time in
    /// the cronjob's zone as an annotation, owned by the cronjob.</summary>
    private static V1Job NewJob(V1CronJob cronJob, string name, DateTimeOffset scheduled, TimeZoneInfo zone)
    {
        var template = cronJob.Spec.JobTemplate;
        var annotations = template.Metadata?.Annotations is { } a ? new Dictionary<string, string>(a) : new Dictionary<string, string>();
        var local = scheduled.ToOffset(zone.GetUtcOffset(scheduled));
        annotations[ScheduledTimestampAnnotation] = local.Offset == TimeSpan.Zero
            ? local.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture)
            : local.ToString("yyyy-MM-dd'T'HH:mm:sszzz", CultureInfo.InvariantCulture);
        return new V1Job
        {
            ApiVersion = "batch/v1",
            Kind = "Job",
            Metadata = new V1ObjectMeta
            {
                Name = name,
                NamespaceProperty = cronJob.Metadata.NamespaceProperty,
                Labels = template.Metadata?.Labels is { } labels ? new Dictionary<string, string>(labels) : null,
                Annotations = annotations,
                OwnerReferences = [ControllerRefs.For(cronJob, "batch/v1", "CronJob")],
            },
            Spec = template.Spec is { } spec ? ObjectCopy.Clone(spec) : new V1JobSpec(),
        };
    }

    private static TimeSpan? UntilNext(CronSchedule schedule, DateTimeOffset now) =>
        schedule.Next(now) is { } next ? next - now + TimeSpan.FromMilliseconds(100) : null;

    private static DateTimeOffset Utc(DateTime time) => new(DateTime.SpecifyKind(time, DateTimeKind.Utc));

    private void EnqueueOwner(V1Job job)
    {
        if (ControllerRefs.ControllerOf(job.Metadata) is { Kind: "CronJob" } owner
            && _cronJobs.Cache.Get(job.Metadata.NamespaceProperty, owner.Name) is { } cronJob && cronJob.Metadata.Uid == owner.Uid)
        {
            Queue.Add(ObjectKeys.Of(cronJob));
        }
    }
}
