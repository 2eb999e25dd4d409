using k8s.Models;
using Skiff.Client;
using Skiff.Controllers.Jobs;

namespace Skiff.Controllers.Tests;

public sealed class JobControllerTests
{
    private const string Key = "default/pi";

    private static V1Job Job(int? completions = 1, int? parallelism = 1, Action<V1JobSpec>? configure = null)
    {
        var spec = new V1JobSpec
        {
            Completions = completions,
            Parallelism = parallelism,
            BackoffLimit = 6,
            CompletionMode = "NonIndexed",
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["batch.kubernetes.io/job-name"] = "pi" } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["batch.kubernetes.io/job-name"] = "pi" } },
                Spec = new V1PodSpec { RestartPolicy = "Never", Containers = [new V1Container { Name = "pi", Image = "busybox" }] },
            },
        };
        configure?.Invoke(spec);
        return new V1Job { Metadata = new V1ObjectMeta { Name = "pi", NamespaceProperty = "default" }, Spec = spec };
    }

    private static async Task SyncAsync(ControllerHarness h, JobController controller)
    {
        await h.CaughtUpAsync<V1Job>();
        await h.CaughtUpAsync<V1Pod>();
        await controller.SyncAsync(Key, h.Token);
        await h.CaughtUpAsync<V1Job>();
        await h.CaughtUpAsync<V1Pod>();
    }

    private static List<V1Pod> Running(ControllerHarness h) =>
        h.Api.All<V1Pod>().Where(p => p.Status?.Phase is null or "Pending" or "Running" && p.Metadata.DeletionTimestamp is null).ToList();

    private static V1JobStatus Status(ControllerHarness h) => h.Api.Peek<V1Job>("default", "pi")!.Status;

    private static async Task FinishAsync(ControllerHarness h, V1Pod pod, int exitCode)
    {
        var copy = ObjectCopy.Clone(h.Api.Peek<V1Pod>("default", pod.Metadata.Name)!);
        copy.Status = new V1PodStatus
        {
            Phase = exitCode == 0 ? "Succeeded" : "Failed",
            ContainerStatuses =
            [
                new V1ContainerStatus
                {
                    Name = "pi", Image = "busybox", ImageID = "busybox", Ready = false, RestartCount = 0,
                    State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = exitCode, FinishedAt = h.Time.GetUtcNow().UtcDateTime } },
                },
            ],
        };
        await h.Api.UpdateStatusAsync(copy, h.Token);
    }

    private static string? Condition(V1JobStatus status, string type) =>
        status.Conditions?.FirstOrDefault(c => c.Type == type && c.Status == "True")?.Reason;

    [Fact]
    public async Task Runs_completions_at_most_parallelism_at_a_time_and_completes_after_counting_every_pod()
    {
        await using var h = new ControllerHarness();
        using var controller = new JobController(h.Context);
        h.Api.Seed(Job(completions: 3, parallelism: 2));
        await h.StartAsync();

        await SyncAsync(h, controller);
        var pods = Running(h);
        Assert.Equal(2, pods.Count);
        Assert.All(pods, p =>
        {
            Assert.StartsWith("pi-", p.Metadata.Name, StringComparison.Ordinal);
            Assert.Contains(JobPods.TrackingFinalizer, p.Metadata.Finalizers);
            var owner = Assert.Single(p.Metadata.OwnerReferences);
            Assert.Equal(("batch/v1", "Job", "pi", true), (owner.ApiVersion, owner.Kind, owner.Name, owner.Controller));
        });
        Assert.Equal(2, Status(h).Active);
        Assert.NotNull(Status(h).StartTime);

        await FinishAsync(h, pods[0], 0);
        await SyncAsync(h, controller);
        var status = Status(h);
        Assert.Equal((1, 2), (status.Succeeded, status.Active));
        Assert.Empty(status.UncountedTerminatedPods.Succeeded);
        Assert.DoesNotContain(JobPods.TrackingFinalizer, h.Api.Peek<V1Pod>("default", pods[0].Metadata.Name)!.Metadata.Finalizers ?? []);
        Assert.Equal(3, h.Api.All<V1Pod>().Count);

        foreach (var pod in Running(h))
        {
            await FinishAsync(h, pod, 0);
        }

        await SyncAsync(h, controller);
        status = Status(h);
        Assert.Equal((3, 0), (status.Succeeded, status.Active));
        Assert.Equal("CompletionsReached", Condition(status, "SuccessCriteriaMet"));
        var complete = Assert.Single(status.Conditions, c => c.Type == "Complete");
        Assert.Equal(("True", "CompletionsReached", "Reached expected number of succeeded pods"), (complete.Status, complete.Reason, complete.Message));
        Assert.NotNull(status.CompletionTime);
        Assert.Equal(3, h.Api.All<V1Pod>().Count);
    }

    [Fact]
    public async Task A_failed_pod_is_replaced_after_the_exponential_back_off_until_the_backoff_limit_fails_the_job()
    {
        await using var h = new ControllerHarness();
        using var controller = new JobController(h.Context);
        h.Api.Seed(Job(configure: s => s.BackoffLimit = 2));
        await h.StartAsync();
        await SyncAsync(h, controller);

        await FinishAsync(h, Assert.Single(Running(h)), 1);
        await SyncAsync(h, controller);
        Assert.Equal(1, Status(h).Failed);
        Assert.Empty(Running(h)); // 10 s back-off
        h.Time.Advance(TimeSpan.FromSeconds(9));
        await SyncAsync(h, controller);
        Assert.Empty(Running(h));
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await SyncAsync(h, controller);
        var second = Assert.Single(Running(h));

        await FinishAsync(h, second, 1);
        await SyncAsync(h, controller);
        h.Time.Advance(TimeSpan.FromSeconds(19)); // the second failure waits 20 s
        await SyncAsync(h, controller);
        Assert.Empty(Running(h));
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await SyncAsync(h, controller);
        await FinishAsync(h, Assert.Single(Running(h)), 1);

        await SyncAsync(h, controller);
        var status = Status(h);
        Assert.Equal(3, status.Failed);
        var failed = Assert.Single(status.Conditions, c => c.Type == "Failed");
        Assert.Equal(("BackoffLimitExceeded", "Job has reached the specified backoff limit"), (failed.Reason, failed.Message));
        Assert.Equal("BackoffLimitExceeded", Condition(status, "FailureTarget"));
        Assert.Null(status.CompletionTime);
    }

    [Fact]
    public void Back_off_doubles_from_ten_seconds_and_caps_at_six_minutes()
    {
        Assert.Equal(TimeSpan.Zero, JobBackoff.Delay(0));
        Assert.Equal(TimeSpan.FromSeconds(10), JobBackoff.Delay(1));
        Assert.Equal(TimeSpan.FromSeconds(20), JobBackoff.Delay(2));
        Assert.Equal(TimeSpan.FromSeconds(320), JobBackoff.Delay(6));
        Assert.Equal(TimeSpan.FromMinutes(6), JobBackoff.Delay(7));
        Assert.Equal(TimeSpan.FromMinutes(6), JobBackoff.Delay(30));
    }

    [Fact]
    public async Task Indexed_pods_carry_their_index_and_completed_indexes_are_reported_as_ranges()
    {
        await using var h = new ControllerHarness();
        using var controller = new JobController(h.Context);
        h.Api.Seed(Job(completions: 5, parallelism: 4, s => s.CompletionMode = "Indexed"));
        await h.StartAsync();
        await SyncAsync(h, controller);

        var pods = Running(h).OrderBy(JobPods.Index).ToList();
        Assert.Equal([0, 1, 2, 3], pods.Select(p => JobPods.Index(p)!.Value));
        Assert.All(pods, p =>
        {
            var ix = JobPods.Index(p)!.Value.ToString(System.Globalization.CultureInfo.InvariantCulture);
            Assert.Equal(ix, p.Metadata.Labels[JobPods.CompletionIndexLabel]);
            Assert.Equal($"pi-{ix}", p.Spec.Hostname);
            Assert.StartsWith($"pi-{ix}-", p.Metadata.Name, StringComparison.Ordinal);
            var env = Assert.Single(p.Spec.Containers[0].Env, e => e.Name == "JOB_COMPLETION_INDEX");
            Assert.Equal("metadata.annotations['batch.kubernetes.io/job-completion-index']", env.ValueFrom.FieldRef.FieldPath);
        });

        await FinishAsync(h, pods[0], 0);
        await FinishAsync(h, pods[1], 0);
        await FinishAsync(h, pods[2], 0);
        await SyncAsync(h, controller);
        var status = Status(h);
        Assert.Equal("0-2", status.CompletedIndexes);
        Assert.Equal(3, status.Succeeded);
        Assert.Equal([3, 4], Running(h).Select(p => JobPods.Index(p)!.Value).Order());

        await FinishAsync(h, Running(h).Single(p => JobPods.Index(p) == 4), 0);
        await SyncAsync(h, controller);
        Assert.Equal("0-2,4", Status(h).CompletedIndexes);
        Assert.Null(Condition(Status(h), "Complete"));
    }

    [Fact]
    public void Completed_indexes_round_trip_through_their_text_form()
    {
        Assert.Equal("1,3-5,7", CompletedIndexes.Format([7, 1, 3, 4, 5]));
        Assert.Equal("0,1,3", CompletedIndexes.Format([0, 1, 3]));
        Assert.Equal([1, 3, 4, 5, 7], CompletedIndexes.Parse("1,3-5,7", 10));
        Assert.Equal([1, 3], CompletedIndexes.Parse("1,3-5,7", 4));
    }

    [Fact]
    public async Task Pod_failure_policy_ignores_one_exit_code_and_fails_the_job_on_another()
    {
        await using var h = new ControllerHarness();
        using var controller = new JobController(h.Context);
        h.Api.Seed(Job(completions: 2, parallelism: 2, s => s.PodFailurePolicy = new V1PodFailurePolicy
        {
            Rules =
            [
                new V1PodFailurePolicyRule { Action = "Ignore", OnExitCodes = new V1PodFailurePolicyOnExitCodesRequirement { OperatorProperty = "In", Values = [3] } },
                new V1PodFailurePolicyRule { Action = "FailJob", OnExitCodes = new V1PodFailurePolicyOnExitCodesRequirement { ContainerName = "pi", OperatorProperty = "In", Values = [42] } },
            ],
        }));
        await h.StartAsync();
        await SyncAsync(h, controller);
        var pods = Running(h);

        await FinishAsync(h, pods[0], 3);
        await SyncAsync(h, controller);
        Assert.Equal(0, Status(h).Failed ?? 0);
        Assert.Equal(2, Running(h).Count); // replaced at once: an ignored failure has no back-off

        await FinishAsync(h, pods[1], 42);
        await SyncAsync(h, controller);
        var status = Status(h);
        var target = Assert.Single(status.Conditions, c => c.Type == "FailureTarget");
        Assert.Equal("PodFailurePolicy", target.Reason);
        Assert.Equal($"Container pi for pod default/{pods[1].Metadata.Name} failed with exit code 42 matching FailJob rule at index 1", target.Message);
        Assert.Empty(Running(h)); // the other pod is being deleted
        Assert.Null(Condition(status, "Failed")); // not until it has terminated

        var terminating = h.Api.All<V1Pod>().Single(p => p.Metadata.DeletionTimestamp is not null);
        await FinishAsync(h, terminating, 137);
        await SyncAsync(h, controller);
        Assert.Equal("PodFailurePolicy", Condition(Status(h), "Failed"));
    }

    [Fact]
    public async Task Active_deadline_fails_the_job_and_stops_its_pods()
    {
        await using var h = new ControllerHarness();
        using var controller = new JobController(h.Context);
        h.Api.Seed(Job(configure: s => s.ActiveDeadlineSeconds = 30));
        await h.StartAsync();
        await SyncAsync(h, controller);
        var pod = Assert.Single(Running(h));

        h.Time.Advance(TimeSpan.FromSeconds(29));
        await SyncAsync(h, controller);
        Assert.Null(Condition(Status(h), "FailureTarget"));
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await SyncAsync(h, controller);
        var target = Assert.Single(Status(h).Conditions, c => c.Type == "FailureTarget");
        Assert.Equal(("DeadlineExceeded", "Job was active longer than specified deadline"), (target.Reason, target.Message));
        Assert.NotNull(h.Api.Peek<V1Pod>("default", pod.Metadata.Name)!.Metadata.DeletionTimestamp);

        await FinishAsync(h, pod, 143);
        await SyncAsync(h, controller);
        Assert.Equal("DeadlineExceeded", Condition(Status(h), "Failed"));
        Assert.Equal(1, Status(h).Failed);
    }

    [Fact]
    public async Task A_suspended_job_runs_no_pods_until_resumed()
    {
        await using var h = new ControllerHarness();
        using var controller = new JobController(h.Context);
        h.Api.Seed(Job(configure: s => s.Suspend = true));
        await h.StartAsync();
        await SyncAsync(h, controller);
        Assert.Empty(h.Api.All<V1Pod>());
        Assert.Equal("JobSuspended", Condition(Status(h), "Suspended"));

        var resumed = ObjectCopy.Clone(h.Api.Peek<V1Job>("default", "pi")!);
        resumed.Spec.Suspend = false;
        await h.Api.UpdateAsync(resumed, h.Token);
        await SyncAsync(h, controller);
        Assert.Single(Running(h));
        var suspended = Assert.Single(Status(h).Conditions, c => c.Type == "Suspended");
        Assert.Equal(("False", "JobResumed"), (suspended.Status, suspended.Reason));
    }

    [Fact]
    public async Task The_pods_of_a_deleted_job_lose_their_tracking_finalizer()
    {
        await using var h = new ControllerHarness();
        using var controller = new JobController(h.Context);
        h.Api.Seed(Job());
        await h.StartAsync();
        await SyncAsync(h, controller);
        var pod = Assert.Single(Running(h));

        await h.Api.DeleteAsync<V1Job>("default", "pi", null, h.Token);
        await h.CaughtUpAsync<V1Job>();
        await controller.SyncAsync("pod:default/" + pod.Metadata.Name, h.Token);
        Assert.DoesNotContain(JobPods.TrackingFinalizer, h.Api.Peek<V1Pod>("default", pod.Metadata.Name)!.Metadata.Finalizers ?? []);
    }

    [Fact]
    public async Task Ttl_after_finished_deletes_the_job_in_the_background_when_it_expires()
    {
        await using var h = new ControllerHarness();
        using var ttl = new TtlAfterFinishedController(h.Context);
        var job = Job(configure: s => s.TtlSecondsAfterFinished = 60);
        job.Status = new V1JobStatus
        {
            Conditions = [new V1JobCondition { Type = "Complete", Status = "True", LastTransitionTime = h.Time.GetUtcNow().UtcDateTime }],
        };
        h.Api.Seed(job);
        await h.StartAsync();

        h.Time.Advance(TimeSpan.FromSeconds(59));
        await ttl.SyncAsync(Key, h.Token);
        Assert.NotNull(h.Api.Peek<V1Job>("default", "pi"));
        h.Time.Advance(TimeSpan.FromSeconds(1));
        await ttl.SyncAsync(Key, h.Token);
        Assert.Null(h.Api.Peek<V1Job>("default", "pi"));
        Assert.Contains(h.Api.Calls, c => c.Verb == "delete" && c.Resource.Contains("jobs", StringComparison.Ordinal));
    }

    [Fact]
    public async Task Backoff_limit_per_index_retries_an_index_with_its_own_backoff_then_fails_it_and_the_job()
    {
        await using var h = new ControllerHarness();
        using var controller = new JobController(h.Context);
        h.Api.Seed(Job(completions: 2, parallelism: 2, s =>
        {
            s.CompletionMode = "Indexed";
            s.BackoffLimitPerIndex = 1;
            s.BackoffLimit = int.MaxValue;
        }));
        await h.StartAsync();
        await SyncAsync(h, controller);
        var pods = Running(h).OrderBy(JobPods.Index).ToList();
        Assert.Equal(["0", "0"], pods.Select(p => p.Metadata.Annotations[IndexFailures.FailureCountAnnotation]));

        // Index 0 fails once: its replacement waits the 10 s back-off, then carries failure count 1.
        await FinishAsync(h, pods[0], exitCode: 1);
        await SyncAsync(h, controller);
        Assert.Single(Running(h));
        Assert.Equal(string.Empty, Status(h).FailedIndexes);
        h.Time.Advance(TimeSpan.FromSeconds(11));
        await SyncAsync(h, controller);
        var retry = Running(h).Single(p => JobPods.Index(p) == 0);
        Assert.Equal("1", retry.Metadata.Annotations[IndexFailures.FailureCountAnnotation]);

        // Its second failure passes the limit: index 0 is failed for good and not retried; index 1 still runs.
        await FinishAsync(h, retry, exitCode: 1);
        await SyncAsync(h, controller);
        h.Time.Advance(TimeSpan.FromMinutes(10));
        await SyncAsync(h, controller);
        Assert.Equal("0", Status(h).FailedIndexes);
        Assert.Equal([1], Running(h).Select(p => JobPods.Index(p) ?? -1));
        Assert.Null(Condition(Status(h), JobConditions.Failed));

        // Index 1 succeeds: every index is done, one failed, so the job fails with FailedIndexes.
        await FinishAsync(h, Running(h)[0], exitCode: 0);
        await SyncAsync(h, controller);
        await SyncAsync(h, controller);
        Assert.Equal(("1", "0"), (Status(h).CompletedIndexes, Status(h).FailedIndexes));
        Assert.Equal("FailedIndexes", Condition(Status(h), JobConditions.Failed));
    }

    [Fact]
    public async Task A_FailIndex_rule_fails_the_index_at_once_and_max_failed_indexes_fails_the_job()
    {
        await using var h = new ControllerHarness();
        using var controller = new JobController(h.Context);
        h.Api.Seed(Job(completions: 3, parallelism: 3, s =>
        {
            s.CompletionMode = "Indexed";
            s.BackoffLimitPerIndex = 5;
            s.MaxFailedIndexes = 0;
            s.BackoffLimit = int.MaxValue;
            s.PodFailurePolicy = new V1PodFailurePolicy
            {
                Rules = [new V1PodFailurePolicyRule { Action = "FailIndex", OnExitCodes = new V1PodFailurePolicyOnExitCodesRequirement { OperatorProperty = "In", Values = [42] } }],
            };
        }));
        await h.StartAsync();
        await SyncAsync(h, controller);
        await FinishAsync(h, Running(h).Single(p => JobPods.Index(p) == 2), exitCode: 42);
        await SyncAsync(h, controller);
        await SyncAsync(h, controller);
        Assert.Equal("2", Status(h).FailedIndexes);
        // FailureTarget at once; Failed follows once the other indexes' pods (deleted now) have terminated.
        Assert.Equal("MaxFailedIndexesExceeded", Condition(Status(h), JobConditions.FailureTarget));
        Assert.Empty(Running(h));
    }
}
