using k8s.Models;
using Skiff.Client;
using Skiff.Controllers.CronJobs;

namespace Skiff.Controllers.Tests;

public sealed class CronJobControllerTests
{
    private const string Key = "default/hello";

    private static V1CronJob CronJob(string schedule, string policy = "Allow", Action<V1CronJobSpec>? configure = null)
    {
        var spec = new V1CronJobSpec
        {
            Schedule = schedule,
            ConcurrencyPolicy = policy,
            Suspend = false,
            SuccessfulJobsHistoryLimit = 3,
            FailedJobsHistoryLimit = 1,
            JobTemplate = new V1JobTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["team"] = "batch" } },
                Spec = new V1JobSpec
                {
                    Template = new V1PodTemplateSpec
                    {
                        Spec = new V1PodSpec { RestartPolicy = "OnFailure", Containers = [new V1Container { Name = "hello", Image = "busybox" }] },
                    },
                },
            },
        };
        configure?.Invoke(spec);
        return new V1CronJob { Metadata = new V1ObjectMeta { Name = "hello", NamespaceProperty = "default" }, Spec = spec };
    }

    private static async Task SyncAsync(ControllerHarness h, CronJobController controller)
    {
        await h.CaughtUpAsync<V1CronJob>();
        await h.CaughtUpAsync<V1Job>();
        await controller.SyncAsync(Key, h.Token);
        await h.CaughtUpAsync<V1CronJob>();
        await h.CaughtUpAsync<V1Job>();
    }

    private static List<string> JobNames(ControllerHarness h) =>
        h.Api.All<V1Job>().Select(j => j.Metadata.Name).Order(StringComparer.Ordinal).ToList();

    private static string NameAt(DateTimeOffset time) => CronJobController.JobName("hello", time);

    private static async Task FinishAsync(ControllerHarness h, string name, string type)
    {
        var job = ObjectCopy.Clone(h.Api.Peek<V1Job>("default", name)!);
        var now = h.Time.GetUtcNow().UtcDateTime;
        job.Status = new V1JobStatus
        {
            StartTime = now.AddSeconds(-5),
            CompletionTime = type == "Complete" ? now : null,
            Conditions = [new V1JobCondition { Type = type, Status = "True", LastTransitionTime = now }],
        };
        await h.Api.UpdateStatusAsync(job, h.Token);
    }

    [Fact]
    public async Task Starts_a_job_named_after_the_scheduled_minute_when_the_time_comes()
    {
        await using var h = new ControllerHarness();
        using var controller = new CronJobController(h.Context);
        var cronJob = h.Api.Seed(CronJob("*/5 * * * *"));
        await h.StartAsync();

        await SyncAsync(h, controller);
        Assert.Empty(h.Api.All<V1Job>());

        h.Time.Advance(TimeSpan.FromMinutes(5));
        await SyncAsync(h, controller);
        var scheduled = new DateTimeOffset(2026, 12, 5, 12, 5, 0, TimeSpan.Zero);
        var job = Assert.Single(h.Api.All<V1Job>());
        Assert.Equal($"hello-{scheduled.ToUnixTimeSeconds() / 60}", job.Metadata.Name);
        Assert.Equal("2026-12-05T12:05:00Z", job.Metadata.Annotations[CronJobController.ScheduledTimestampAnnotation]);
        Assert.Equal("batch", job.Metadata.Labels["team"]);
        var owner = Assert.Single(job.Metadata.OwnerReferences);
        Assert.Equal(("CronJob", cronJob.Metadata.Uid, true), (owner.Kind, owner.Uid, owner.Controller));
        var status = h.Api.Peek<V1CronJob>("default", "hello")!.Status;
        Assert.Equal(job.Metadata.Name, Assert.Single(status.Active).Name);
        Assert.Equal(scheduled.UtcDateTime, status.LastScheduleTime);

        await SyncAsync(h, controller); // the same time is never started twice
        Assert.Single(h.Api.All<V1Job>());
    }

    [Fact]
    public async Task Forbid_skips_a_run_while_one_is_active_and_Replace_swaps_it()
    {
        await using var h = new ControllerHarness();
        using var controller = new CronJobController(h.Context);
        h.Api.Seed(CronJob("* * * * *", "Forbid"));
        await h.StartAsync();
        h.Time.Advance(TimeSpan.FromMinutes(1));
        await SyncAsync(h, controller);
        var first = Assert.Single(JobNames(h));

        h.Time.Advance(TimeSpan.FromMinutes(1));
        await SyncAsync(h, controller);
        Assert.Equal([first], JobNames(h));

        var replace = ObjectCopy.Clone(h.Api.Peek<V1CronJob>("default", "hello")!);
        replace.Spec.ConcurrencyPolicy = "Replace";
        await h.Api.UpdateAsync(replace, h.Token);
        await SyncAsync(h, controller);
        var now = h.Time.GetUtcNow();
        Assert.Equal([NameAt(now)], JobNames(h));
        Assert.Equal(NameAt(now), Assert.Single(h.Api.Peek<V1CronJob>("default", "hello")!.Status.Active).Name);
    }

    [Fact]
    public async Task A_finished_job_leaves_active_sets_last_successful_time_and_history_is_trimmed()
    {
        await using var h = new ControllerHarness();
        using var controller = new CronJobController(h.Context);
        h.Api.Seed(CronJob("* * * * *", configure: s => s.SuccessfulJobsHistoryLimit = 1));
        await h.StartAsync();
        var names = new List<string>();
        for (var i = 0; i < 3; i++)
        {
            h.Time.Advance(TimeSpan.FromMinutes(1));
            await SyncAsync(h, controller);
            names.Add(NameAt(h.Time.GetUtcNow()));
            await FinishAsync(h, names[^1], "Complete");
            await SyncAsync(h, controller);
        }

        var status = h.Api.Peek<V1CronJob>("default", "hello")!.Status;
        Assert.Null(status.Active);
        Assert.Equal(h.Time.GetUtcNow().UtcDateTime, status.LastSuccessfulTime);
        Assert.Equal([names[^1]], JobNames(h));
    }

    [Fact]
    public async Task Suspend_and_a_passed_starting_deadline_start_nothing()
    {
        await using var h = new ControllerHarness();
        using var controller = new CronJobController(h.Context);
        h.Api.Seed(CronJob("0 * * * *", configure: s => s.StartingDeadlineSeconds = 60));
        await h.StartAsync();
        h.Time.Advance(TimeSpan.FromMinutes(62)); // 13:00 passed two minutes ago: too late
        await SyncAsync(h, controller);
        Assert.Empty(h.Api.All<V1Job>());

        var suspended = ObjectCopy.Clone(h.Api.Peek<V1CronJob>("default", "hello")!);
        suspended.Spec.Suspend = true;
        suspended.Spec.StartingDeadlineSeconds = null;
        await h.Api.UpdateAsync(suspended, h.Token);
        h.Time.Advance(TimeSpan.FromMinutes(60));
        await SyncAsync(h, controller);
        Assert.Empty(h.Api.All<V1Job>());
    }

    [Fact]
    public async Task After_many_missed_start_times_only_the_most_recent_runs()
    {
        await using var h = new ControllerHarness();
        using var controller = new CronJobController(h.Context);
        h.Api.Seed(CronJob("* * * * *"));
        await h.StartAsync();
        h.Time.Advance(TimeSpan.FromMinutes(200).Add(TimeSpan.FromSeconds(30)));
        await SyncAsync(h, controller);
        var mostRecent = new DateTimeOffset(2026, 12, 5, 15, 20, 0, TimeSpan.Zero);
        Assert.Equal([NameAt(mostRecent)], JobNames(h));
    }

    [Fact]
    public void Schedules_follow_wall_clock_time_across_daylight_saving_changes()
    {
        var newYork = TimeZoneInfo.FindSystemTimeZoneById("America/New_York");

        // 2027-03-14: 02:00 EST jumps to 03:00 EDT; 02:30 does not exist that day and runs at the end of the gap.
        var (daily, error) = CronSchedule.Parse("30 2 * * *", newYork);
        Assert.Null(error);
        var spring = daily!.Next(new DateTimeOffset(2027, 3, 13, 12, 0, 0, TimeSpan.Zero))!.Value;
        Assert.Equal(new DateTimeOffset(2027, 3, 14, 3, 0, 0, TimeSpan.FromHours(-4)), spring);
        Assert.Equal(new DateTimeOffset(2027, 3, 15, 2, 30, 0, TimeSpan.FromHours(-4)), daily.Next(spring));

        // 2027-11-07: 02:00 EDT falls back to 01:00 EST; 01:30 happens twice but runs once.
        var (fallBack, _) = CronSchedule.Parse("30 1 * * *", newYork);
        var first = fallBack!.Next(new DateTimeOffset(2027, 11, 7, 0, 0, 0, TimeSpan.FromHours(-4)))!.Value;
        Assert.Equal(new DateTimeOffset(2027, 11, 7, 1, 30, 0, TimeSpan.FromHours(-4)), first);
        Assert.Equal(new DateTimeOffset(2027, 11, 8, 1, 30, 0, TimeSpan.FromHours(-5)), fallBack.Next(first));

        // Hourly in New York: 24 runs on an ordinary day, 23 on the short one.
        var (hourly, _) = CronSchedule.Parse("@hourly", newYork);
        Assert.Equal(23, Count(hourly!, new DateTimeOffset(2027, 3, 14, 0, 0, 0, TimeSpan.FromHours(-5)), new DateTimeOffset(2027, 3, 15, 0, 0, 0, TimeSpan.FromHours(-4))));
        Assert.Equal(24, Count(hourly!, new DateTimeOffset(2027, 3, 15, 0, 0, 0, TimeSpan.FromHours(-4)), new DateTimeOffset(2027, 3, 16, 0, 0, 0, TimeSpan.FromHours(-4))));
    }

    [Fact]
    public async Task A_time_zone_cronjob_walks_through_the_spring_forward_night_with_the_clock()
    {
        await using var h = new ControllerHarness();
        h.Time.SetUtcNow(new DateTimeOffset(2027, 3, 14, 5, 0, 0, TimeSpan.Zero)); // 00:00 EST
        using var controller = new CronJobController(h.Context);
        h.Api.Seed(CronJob("30 2 * * *", configure: s => s.TimeZone = "America/New_York"));
        await h.StartAsync();

        h.Time.Advance(TimeSpan.FromHours(1) + TimeSpan.FromMinutes(59)); // 01:59 EST
        await SyncAsync(h, controller);
        Assert.Empty(h.Api.All<V1Job>());
        h.Time.Advance(TimeSpan.FromMinutes(1)); // 03:00 EDT
        await SyncAsync(h, controller);
        var job = Assert.Single(h.Api.All<V1Job>());
        Assert.Equal("2027-03-14T03:00:00-04:00", job.Metadata.Annotations[CronJobController.ScheduledTimestampAnnotation]);
        Assert.Equal(NameAt(new DateTimeOffset(2027, 3, 14, 7, 0, 0, TimeSpan.Zero)), job.Metadata.Name);
    }

    [Fact]
    public void Missed_start_times_are_counted_without_walking_every_one()
    {
        var (minutely, _) = CronSchedule.Parse("* * * * *", TimeZoneInfo.Utc);
        var start = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);
        var (mostRecent, missed) = minutely!.MostRecent(start, start.AddDays(365).AddSeconds(10));
        Assert.Equal(start.AddDays(365), mostRecent);
        Assert.Equal(365 * 24 * 60, missed);
        Assert.Equal((null, 0), minutely.MostRecent(start, start.AddSeconds(59)));
        Assert.Equal((start.AddMinutes(1), 1), minutely.MostRecent(start, start.AddSeconds(61)));
        var (monthly, _) = CronSchedule.Parse("@monthly", TimeZoneInfo.Utc);
        Assert.Equal(new DateTimeOffset(2026, 3, 1, 0, 0, 0, TimeSpan.Zero), monthly!.MostRecent(start, new DateTimeOffset(2026, 3, 15, 0, 0, 0, TimeSpan.Zero)).MostRecent);
    }

    private static int Count(CronSchedule schedule, DateTimeOffset from, DateTimeOffset to)
    {
        var count = 0;
        for (var t = schedule.Next(from.AddTicks(-1)); t is { } next && next < to; t = schedule.Next(next))
        {
            count++;
        }

        return count;
    }

    [Fact]
    public void Every_is_a_constant_delay_from_the_whole_second_as_robfig_cron()
    {
        var (every, error) = CronSchedule.Parse("@every 1h30m", TimeZoneInfo.Utc);
        Assert.Null(error);
        var start = new DateTimeOffset(2026, 12, 5, 12, 0, 10, 500, TimeSpan.Zero);
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 13, 30, 10, TimeSpan.Zero), every!.Next(start));
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 12, 0, 11, TimeSpan.Zero), CronSchedule.Parse("@every 10ms", TimeZoneInfo.Utc).Schedule!.Next(start));
        var (mostRecent, missed) = every.MostRecent(start, start.AddHours(4));
        Assert.Equal((start.AddTicks(-5_000_000).AddHours(3), 2L), (mostRecent, missed));
        Assert.Contains("missing unit", CronSchedule.Parse("@every 5", TimeZoneInfo.Utc).Error, StringComparison.Ordinal);
    }

    [Fact]
    public void A_TZ_prefix_in_the_schedule_names_the_zone_it_runs_in()
    {
        var (paris, error) = CronSchedule.Parse("CRON_TZ=Europe/Paris 0 9 * * *", TimeZoneInfo.Utc);
        Assert.Null(error);
        Assert.Equal("Europe/Paris", paris!.Zone.Id);
        Assert.Equal(new DateTimeOffset(2026, 12, 5, 8, 0, 0, TimeSpan.Zero), paris.Next(new DateTimeOffset(2026, 12, 5, 0, 0, 0, TimeSpan.Zero)));
        Assert.Contains("unknown time zone Mars/Olympus", CronSchedule.Parse("TZ=Mars/Olympus 0 9 * * *", TimeZoneInfo.Utc).Error, StringComparison.Ordinal);
    }
}
