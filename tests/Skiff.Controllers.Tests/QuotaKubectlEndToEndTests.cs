using k8s;
using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Controllers.Tests;

/// <summary>
/// ResourceQuota and LimitRange end to end: a real in-process API server with its admission chain, the controller
/// manager (its quota controller keeps status), the real kubectl. No kubelet: quota counts pods whatever they run.
/// </summary>
public sealed class QuotaKubectlEndToEndTests : IAsyncLifetime
{
    private RealControlPlane? _plane;
    private Kubectl? _kubectl;

    private KubernetesApiClient Api => _plane!.Api;

    public async Task InitializeAsync()
    {
        _plane = await RealControlPlane.StartAsync("skiff-quota");
        _kubectl = new Kubectl(_plane.Server.KubeconfigPath);
    }

    public async Task DisposeAsync()
    {
        await _plane!.DisposeAsync();
        _kubectl!.Dispose();
    }

    private Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => _kubectl!.RunAsync(args);

    private Task<string> OkAsync(params string[] args) => _kubectl!.OkAsync(args);

    private static Task<string> EventuallyAsync(Func<Task<string>> read, Func<string, bool> done) => Kubectl.EventuallyAsync(read, done);

    [Fact]
    public async Task The_third_pod_is_refused_by_a_quota_of_two_and_describe_shows_used()
    {
        if (Kubectl.Missing())
        {
            return;
        }

        await OkAsync("create", "namespace", "quota");
        Assert.Equal("resourcequota/q created", (await OkAsync("-n", "quota", "create", "quota", "q", "--hard=pods=2,count/configmaps=5")).Trim());
        var counted = await EventuallyAsync(() => OkAsync("-n", "quota", "get", "quota", "q", "-o", "jsonpath={.status.used.pods}"), t => t == "0");
        Assert.Equal("0", counted);

        await OkAsync("-n", "quota", "run", "a", "--image=nginx");
        await OkAsync("-n", "quota", "run", "b", "--image=nginx");
        var (code, _, err) = await RunAsync("-n", "quota", "run", "c", "--image=nginx");
        Assert.NotEqual(0, code);
        Assert.Contains("pods \"c\" is forbidden: exceeded quota: q, requested: pods=1, used: pods=2, limited: pods=2", err, StringComparison.Ordinal);

        var describe = await OkAsync("-n", "quota", "describe", "quota", "q");
        Assert.Matches(@"(?m)^Resource\s+Used\s+Hard$", describe);
        Assert.Matches(@"(?m)^pods\s+2\s+2$", describe);
        Assert.Matches(@"(?m)^count/configmaps\s+\d+\s+5$", describe);
        var table = await OkAsync("-n", "quota", "get", "quota");
        Assert.Matches(@"(?m)^NAME\s+AGE\s+REQUEST\s+LIMIT$", table);
        Assert.Matches(@"(?m)^q\s+\d+s\s+count/configmaps: \d+/5, pods: 2/2\s*$", table);

        // Deleting a pod gives its slot back once the controller recounts.
        await OkAsync("-n", "quota", "delete", "pod", "a", "--grace-period=0", "--force");
        var used = await EventuallyAsync(() => OkAsync("-n", "quota", "get", "quota", "q", "-o", "jsonpath={.status.used.pods}"), t => t == "1");
        Assert.Equal("1", used);
        await OkAsync("-n", "quota", "run", "c", "--image=nginx");
    }

    [Fact]
    public async Task A_cpu_quota_needs_limits_and_a_limit_range_gives_them()
    {
        if (Kubectl.Missing())
        {
            return;
        }

        await OkAsync("create", "namespace", "compute");
        await OkAsync("-n", "compute", "create", "quota", "cpu", "--hard=limits.cpu=1");
        await EventuallyAsync(() => OkAsync("-n", "compute", "get", "quota", "cpu", "-o", "jsonpath={.status.used.limits\\.cpu}"), t => t == "0");
        var (code, _, err) = await RunAsync("-n", "compute", "run", "bare", "--image=nginx");
        Assert.NotEqual(0, code);
        Assert.Contains("pods \"bare\" is forbidden: failed quota: cpu: must specify limits.cpu for: bare", err, StringComparison.Ordinal);

        var range = Path.Combine(_plane!.DataDirectory, "limits.yaml");
        await File.WriteAllTextAsync(range, """
            apiVersion: v1
            kind: LimitRange
            metadata:
              name: limits
            spec:
              limits:
              - type: Container
                default: {cpu: 600m}
                max: {cpu: 800m}
            """);
        Assert.Equal("limitrange/limits created", (await OkAsync("-n", "compute", "create", "-f", range)).Trim());
        Assert.Matches(@"(?m)^NAME\s+CREATED AT$", await OkAsync("-n", "compute", "get", "limits"));
        await OkAsync("-n", "compute", "run", "web", "--image=nginx");
        Assert.Equal("600m 600m", await OkAsync("-n", "compute", "get", "pod", "web", "-o", "jsonpath={.spec.containers[0].resources.limits.cpu} {.spec.containers[0].resources.requests.cpu}"));
        Assert.Equal("LimitRanger plugin set: cpu request for container web; cpu limit for container web", await OkAsync("-n", "compute", "get", "pod", "web", "-o", "jsonpath={.metadata.annotations.kubernetes\\.io/limit-ranger}"));

        // The second 600m does not fit in the quota's 1 CPU; a 900m limit is beyond the range's max.
        (code, _, err) = await RunAsync("-n", "compute", "run", "web2", "--image=nginx");
        Assert.NotEqual(0, code);
        Assert.Contains("exceeded quota: cpu, requested: limits.cpu=600m, used: limits.cpu=600m, limited: limits.cpu=1", err, StringComparison.Ordinal);
        (code, _, err) = await RunAsync("-n", "compute", "run", "big", "--image=nginx", "--overrides={\"spec\":{\"containers\":[{\"name\":\"big\",\"image\":\"nginx\",\"resources\":{\"limits\":{\"cpu\":\"900m\"}}}]}}");
        Assert.NotEqual(0, code);
        Assert.Contains("pods \"big\" is forbidden: maximum cpu usage per Container is 800m, but limit is 900m", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Concurrent_creates_for_the_last_slot_admit_exactly_one()
    {
        var ns = new V1Namespace { Metadata = new V1ObjectMeta { Name = "race" } };
        await Api.CreateAsync(ns, CancellationToken.None);
        await Api.CreateAsync(
            new V1ResourceQuota { Metadata = new V1ObjectMeta { Name = "q", NamespaceProperty = "race" }, Spec = new V1ResourceQuotaSpec { Hard = new Dictionary<string, ResourceQuantity> { ["count/configmaps"] = new("3") } } },
            CancellationToken.None);
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while ((await Api.GetAsync<V1ResourceQuota>("race", "q", CancellationToken.None))?.Status?.Used is null)
        {
            Assert.True(DateTime.UtcNow < deadline, "the quota controller never counted");
            await Task.Delay(100);
        }

        // Eight racing creates for the slots left (3 minus what the namespace already holds).
        var slots = 3 - (int)(await Api.GetAsync<V1ResourceQuota>("race", "q", CancellationToken.None))!.Status.Used["count/configmaps"].ToDecimal();
        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(async i =>
        {
            try
            {
                await Api.CreateAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = $"cm-{i}", NamespaceProperty = "race" } }, CancellationToken.None);
                return true;
            }
            catch (ApiException e) when (e.Status?.Code == 403)
            {
                Assert.Contains("exceeded quota: q", e.Status!.Message, StringComparison.Ordinal);
                return false;
            }
        }));
        Assert.Equal(slots, results.Count(ok => ok));
        var list = await Api.ListAsync<V1ConfigMap>(new ListOptions { Namespace = "race" }, CancellationToken.None);
        Assert.Equal(slots, list.Items.Count(c => c.Metadata.Name.StartsWith("cm-", StringComparison.Ordinal)));
    }
}
