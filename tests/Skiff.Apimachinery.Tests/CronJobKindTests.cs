using k8s.Models;
using Skiff.Apimachinery.Strategies;

namespace Skiff.Apimachinery.Tests;

/// <summary>batch/v1 CronJob: upstream's defaults, schedule and time zone validation messages, printer row.</summary>
public sealed class CronJobKindTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 13, 10, 0, TimeSpan.Zero);

    private static V1CronJob CronJob(string schedule, string? timeZone = null, string name = "hello") => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Uid = "u-1", CreationTimestamp = Now.UtcDateTime.AddMinutes(-5) },
        Spec = new V1CronJobSpec
        {
            Schedule = schedule,
            TimeZone = timeZone,
            JobTemplate = new V1JobTemplateSpec
            {
                Spec = new V1JobSpec
                {
                    Template = new V1PodTemplateSpec
                    {
                        Spec = new V1PodSpec { RestartPolicy = "OnFailure", Containers = [new V1Container { Name = "hello", Image = "busybox" }] },
                    },
                },
            },
        },
    };

    private static List<string> Errors(V1CronJob cronJob)
    {
        var strategy = new CronJobStrategy();
        strategy.PrepareForCreate(cronJob, Now);
        return strategy.ValidateCreate(cronJob).Select(e => e.ToString()).ToList();
    }

    [Fact]
    public void Defaults_as_upstream()
    {
        var cronJob = CronJob("*/5 * * * *");
        Assert.Empty(Errors(cronJob));
        var spec = cronJob.Spec;
        Assert.Equal(("Allow", false, 3, 1), (spec.ConcurrencyPolicy, spec.Suspend, spec.SuccessfulJobsHistoryLimit, spec.FailedJobsHistoryLimit));
    }

    [Theory]
    [InlineData("@hourly")]
    [InlineData("0 9 * jan-mar mon-fri")]
    [InlineData("5,10-20/5 */2 1 * ?")]
    [InlineData("@every 1h30m")]
    [InlineData("@every 90s")]
    public void Accepts_what_the_cron_parser_accepts(string schedule) => Assert.Empty(Errors(CronJob(schedule)));

    [Theory]
    [InlineData("foo", "spec.schedule: Invalid value: \"foo\": expected exactly 5 fields, found 1: foo")]
    [InlineData("* * * * * *", "spec.schedule: Invalid value: \"* * * * * *\": expected exactly 5 fields, found 6: * * * * * *")]
    [InlineData("61 * * * *", "spec.schedule: Invalid value: \"61 * * * *\": end of range (61) above maximum (59): 61")]
    [InlineData("* * * * 7", "spec.schedule: Invalid value: \"* * * * 7\": end of range (7) above maximum (6): 7")]
    [InlineData("@fortnightly", "spec.schedule: Invalid value: \"@fortnightly\": unrecognized descriptor: @fortnightly")]
    [InlineData("x * * * *", "spec.schedule: Invalid value: \"x * * * *\": failed to parse int from x: strconv.Atoi: parsing \"x\": invalid syntax")]
    [InlineData("TZ=UTC 0 * * * *", "spec.schedule: Invalid value: \"TZ=UTC 0 * * * *\": cannot use TZ or CRON_TZ in schedule, use timeZone field instead")]
    [InlineData("@every 5", "spec.schedule: Invalid value: \"@every 5\": failed to parse duration @every 5: time: missing unit in duration \"5\"")]
    [InlineData("@every soon", "spec.schedule: Invalid value: \"@every soon\": failed to parse duration @every soon: time: invalid duration \"soon\"")]
    public void Rejects_a_bad_schedule_with_the_parsers_message(string schedule, string expected) =>
        Assert.Equal([expected], Errors(CronJob(schedule)));

    [Fact]
    public void A_stored_TZ_prefix_may_stay_on_update_but_not_be_added()
    {
        var strategy = new CronJobStrategy();
        var stored = CronJob("TZ=Europe/Paris 0 * * * *");
        strategy.PrepareForCreate(stored, Now);
        var updated = CronJob("CRON_TZ=Europe/Paris 30 * * * *");
        strategy.PrepareForCreate(updated, Now);
        Assert.Empty(strategy.ValidateUpdate(updated, stored));
        var plain = CronJob("0 * * * *");
        strategy.PrepareForCreate(plain, Now);
        Assert.Single(strategy.ValidateUpdate(updated, plain));
    }

    [Fact]
    public void Time_zone_must_be_a_known_iana_name()
    {
        Assert.Empty(Errors(CronJob("0 2 * * *", "Europe/Berlin")));
        Assert.Equal(["spec.timeZone: Invalid value: \"Mars/Olympus\": unknown time zone Mars/Olympus"], Errors(CronJob("0 2 * * *", "Mars/Olympus")));
        Assert.Equal(["spec.timeZone: Invalid value: \"Local\": timeZone must be an explicit time zone as defined in https://www.iana.org/time-zones"], Errors(CronJob("0 2 * * *", "Local")));
    }

    [Fact]
    public void Name_leaves_room_for_the_job_suffix()
    {
        var name = new string('a', 53);
        Assert.Contains($"metadata.name: Invalid value: \"{name}\": must be no more than 52 characters", Errors(CronJob("@daily", name: name)));
    }

    [Fact]
    public void Prints_upstreams_row()
    {
        var cronJob = CronJob("*/1 * * * *");
        new CronJobStrategy().PrepareForCreate(cronJob, Now);
        var cells = new CronJobStrategy().Cells(cronJob, Now);
        Assert.Equal(["hello", "*/1 * * * *", "<none>", "False", 0, "<none>", "5m"], cells.Take(7));
        cronJob.Status = new V1CronJobStatus { Active = [new V1ObjectReference { Name = "hello-1" }], LastScheduleTime = Now.UtcDateTime.AddSeconds(-30) };
        Assert.Equal([1, "30s"], new CronJobStrategy().Cells(cronJob, Now).Skip(4).Take(2));
    }
}
