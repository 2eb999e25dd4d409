namespace Skiff.EndToEnd.Tests;

/// <summary>
/// Issue 14 item 5 with the real kubectl: <c>kubectl create job</c> runs a busybox pod to completion (the job gets
/// Complete, its pod loses the tracking finalizer), <c>kubectl create cronjob</c> makes a cronjob that <c>kubectl get</c>
/// prints as upstream and that <c>kubectl create job --from=cronjob/NAME</c> instantiates, and a bad schedule gets the
/// API's 422.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class JobAndCronJobTests(SkiffCluster cluster)
{
    private const string Namespace = "batch-jobs";

    [SkippableFact]
    public async Task A_job_completes_and_a_cronjob_can_be_run_by_hand()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        await cluster.KubectlAsync(["create", "namespace", Namespace]);
        try
        {
            var create = await cluster.KubectlAsync(["create", "job", "pi", "-n", Namespace, "--image=busybox", "--", "sh", "-c", "exit 0"]);
            Assert.True(create.ExitCode == 0, create.ToString());
            Assert.Equal("job.batch/pi created", create.Stdout.Trim());
            var complete = await cluster.KubectlAsync(["wait", "-n", Namespace, "--for=condition=complete", "job/pi", "--timeout=180s"], TimeSpan.FromMinutes(4));
            Assert.True(complete.ExitCode == 0, complete + "\n--- server log:\n" + cluster.ReadLog());

            var get = await cluster.KubectlAsync(["get", "job", "pi", "-n", Namespace]);
            Assert.Matches(@"(?m)^NAME\s+STATUS\s+COMPLETIONS\s+DURATION\s+AGE$", get.Stdout);
            Assert.Matches(@"(?m)^pi\s+Complete\s+1/1\s+\d+s\s+\d+s$", get.Stdout);
            var status = await cluster.KubectlAsync(["get", "job", "pi", "-n", Namespace, "-o", "jsonpath={.status.succeeded} {.status.conditions[*].type}"]);
            Assert.Equal("1 SuccessCriteriaMet Complete", status.Stdout.Trim());
            var finalizers = await cluster.KubectlAsync(["get", "pods", "-n", Namespace, "-l", "job-name=pi", "-o", "jsonpath={.items[*].status.phase}|{.items[*].metadata.finalizers}"]);
            Assert.Equal("Succeeded|", finalizers.Stdout.Trim());

            var cron = await cluster.KubectlAsync(["create", "cronjob", "hello", "-n", Namespace, "--image=busybox", "--schedule=0 0 1 1 *", "--", "sh", "-c", "exit 0"]);
            Assert.True(cron.ExitCode == 0, cron.ToString());
            var cronJobs = await cluster.KubectlAsync(["get", "cj", "-n", Namespace]);
            Assert.Matches(@"(?m)^NAME\s+SCHEDULE\s+TIMEZONE\s+SUSPEND\s+ACTIVE\s+LAST SCHEDULE\s+AGE$", cronJobs.Stdout);
            Assert.Matches(@"(?m)^hello\s+0 0 1 1 \*\s+<none>\s+False\s+0\s+<none>\s+\d+s$", cronJobs.Stdout);
            var defaults = await cluster.KubectlAsync(["get", "cronjob", "hello", "-n", Namespace, "-o", "jsonpath={.spec.concurrencyPolicy} {.spec.successfulJobsHistoryLimit} {.spec.failedJobsHistoryLimit}"]);
            Assert.Equal("Allow 3 1", defaults.Stdout.Trim());

            var manual = await cluster.KubectlAsync(["create", "job", "manual", "-n", Namespace, "--from=cronjob/hello"]);
            Assert.True(manual.ExitCode == 0, manual.ToString());
            var manualDone = await cluster.KubectlAsync(["wait", "-n", Namespace, "--for=condition=complete", "job/manual", "--timeout=180s"], TimeSpan.FromMinutes(4));
            Assert.True(manualDone.ExitCode == 0, manualDone + "\n--- server log:\n" + cluster.ReadLog());
            var owner = await cluster.KubectlAsync(["get", "job", "manual", "-n", Namespace, "-o", "jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}"]);
            Assert.Equal("CronJob/hello", owner.Stdout.Trim());

            var bad = await cluster.KubectlAsync(["create", "cronjob", "bad", "-n", Namespace, "--image=busybox", "--schedule=foo"]);
            Assert.NotEqual(0, bad.ExitCode);
            Assert.Contains("CronJob.batch \"bad\" is invalid: spec.schedule: Invalid value: \"foo\": expected exactly 5 fields, found 1: foo", bad.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "namespace", Namespace, "--wait=false"]);
        }
    }
}
