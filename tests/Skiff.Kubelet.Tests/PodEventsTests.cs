using k8s.Models;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Tests.Fakes;
using static Skiff.Kubelet.Tests.Fakes.KubeletTestContext;

namespace Skiff.Kubelet.Tests;

/// <summary>The events the kubelet records about pods, in upstream's reasons, messages and field paths, as they reach
/// the API through the shared recorder.</summary>
public sealed class PodEventsTests : IDisposable
{
    private readonly KubeletTestContext ctx = new();

    public void Dispose() => ctx.Dispose();

    private async Task<IReadOnlyList<string>> EventsAsync(string reason, int atLeast = 1)
    {
        await NodeAgentTests.WaitUntilAsync(() => ctx.Events(reason).Count >= atLeast);
        return ctx.Events(reason);
    }

    [Fact]
    public async Task Starting_a_container_records_pulled_created_and_started_on_the_container()
    {
        var pod = Pod("web", Container("web", "nginx"));

        await ctx.Syncer(pod).SyncAsync(pod, CancellationToken.None);

        Assert.Equal(["Normal Pulled spec.containers{web}: Container image \"nginx\" already present on machine"], await EventsAsync("Pulled"));
        Assert.Equal(["Normal Created spec.containers{web}: Created container: web"], await EventsAsync("Created"));
        Assert.Equal(["Normal Started spec.containers{web}: Started container web"], await EventsAsync("Started"));
        var started = ctx.Api.All<Corev1Event>().Single(e => e.Reason == "Started");
        Assert.Equal(("Pod", "web", "default", "uid-web"), (started.InvolvedObject.Kind, started.InvolvedObject.Name, started.InvolvedObject.NamespaceProperty, started.InvolvedObject.Uid));
        Assert.Equal(("kubelet", "node-a"), (started.Source.Component, started.Source.Host));
        Assert.Equal("default", started.Metadata.NamespaceProperty);
    }

    [Fact]
    public async Task A_pull_records_pulling_then_pulled_with_its_duration_and_size_and_a_failed_pull_its_error()
    {
        ctx.Images.PullSucceeds = true;
        var init = Container("setup", "registry.example/tools:1.0");
        var pod = Pod("pulls", Container("main"));
        pod.Spec.InitContainers = [init];

        await ctx.Syncer(pod).SyncAsync(pod, CancellationToken.None);

        Assert.Equal(["Normal Pulling spec.initContainers{setup}: Pulling image \"registry.example/tools:1.0\""], await EventsAsync("Pulling"));
        var pulled = (await EventsAsync("Pulled")).Single(e => e.Contains("setup", StringComparison.Ordinal));
        Assert.Matches(
            @"^Normal Pulled spec\.initContainers\{setup\}: Successfully pulled image ""registry\.example/tools:1\.0"" in (\d+ms|0s) \((\d+ms|0s) including waiting\)\. Image size: 71680000 bytes\.$",
            pulled);

        ctx.Images.PullSucceeds = false;
        var broken = Pod("broken", Container("app", "registry.example/missing:1"));
        await ctx.Syncer(broken).SyncAsync(broken, CancellationToken.None);

        var failed = Assert.Single(await EventsAsync("Failed"));
        Assert.StartsWith("Warning Failed spec.containers{app}: Failed to pull image \"registry.example/missing:1\": failed to pull and unpack image", failed, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_missing_config_map_records_FailedMount_for_a_volume_and_Failed_for_env()
    {
        var mounted = Pod("mounts", Container("c"));
        mounted.Spec.Volumes = [new V1Volume { Name = "cfg", ConfigMap = new V1ConfigMapVolumeSource { Name = "gone" } }];
        await ctx.Syncer(mounted).SyncAsync(mounted, CancellationToken.None);

        Assert.Equal(["Warning FailedMount : MountVolume.SetUp failed for volume \"cfg\" : configmap \"gone\" not found"], await EventsAsync("FailedMount"));

        var container = Container("c");
        container.Env = [new V1EnvVar { Name = "X", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "absent", Key = "k" } } }];
        var env = Pod("env", container);
        await ctx.Syncer(env).SyncAsync(env, CancellationToken.None);

        Assert.Contains("Warning Failed spec.containers{c}: Error: configmap \"absent\" not found", await EventsAsync("Failed", 2));
    }

    [Fact]
    public async Task A_sandbox_that_cannot_start_records_FailedCreatePodSandBox_on_the_pod()
    {
        ctx.Runtime.InjectError("RunPodSandbox", new Grpc.Core.RpcException(new Grpc.Core.Status(
            Grpc.Core.StatusCode.Unknown, "failed to setup network for sandbox: plugin type=\"bridge\" failed")));
        var pod = Pod("nonet", Container("c"));

        await ctx.Syncer(pod).SyncAsync(pod, CancellationToken.None);

        Assert.Equal(
            ["Warning FailedCreatePodSandBox : Failed to create pod sandbox: failed to setup network for sandbox: plugin type=\"bridge\" failed"],
            await EventsAsync("FailedCreatePodSandBox"));
    }

    [Fact]
    public async Task A_crash_loop_records_BackOff_with_upstreams_message()
    {
        var pod = Pod("crash", Container("c"));
        var syncer = ctx.Syncer(pod);
        await syncer.SyncAsync(pod, CancellationToken.None);
        ctx.Runtime.Exit(ctx.Runtime.Container("c").Id, 1);
        await syncer.SyncAsync(pod, CancellationToken.None);
        ctx.Runtime.Exit(ctx.Runtime.Container("c").Id, 1);

        await syncer.SyncAsync(pod, CancellationToken.None);

        Assert.Equal(["Warning BackOff spec.containers{c}: Back-off restarting failed container c in pod crash_default(uid-crash)"], await EventsAsync("BackOff"));
    }

    [Fact]
    public async Task Failed_probes_record_Unhealthy_and_a_failed_liveness_probe_Killing()
    {
        var container = Container("web");
        container.LivenessProbe = new V1Probe { PeriodSeconds = 1, FailureThreshold = 1 };
        var pod = Pod("probed", container);
        var syncer = ctx.Syncer(pod);
        await syncer.SyncAsync(pod, CancellationToken.None);
        ctx.Prober.Results[container.LivenessProbe] = false;
        ctx.Time.Advance(TimeSpan.FromSeconds(1));

        await syncer.SyncAsync(pod, CancellationToken.None);

        Assert.Equal(["Warning Unhealthy spec.containers{web}: Liveness probe failed: HTTP probe failed with statuscode: 500"], await EventsAsync("Unhealthy"));
        Assert.Equal(["Normal Killing spec.containers{web}: Container web failed liveness probe, will be restarted"], await EventsAsync("Killing"));
    }

    [Fact]
    public async Task Stopping_a_pod_records_Killing_for_each_running_container()
    {
        var pod = Pod("bye", Container("a"), Container("b"));
        var syncer = ctx.Syncer(pod);
        await syncer.SyncAsync(pod, CancellationToken.None);

        await syncer.TerminateAsync(pod, 1, CancellationToken.None);

        Assert.Equal(
            ["Normal Killing spec.containers{a}: Stopping container a", "Normal Killing spec.containers{b}: Stopping container b"],
            (await EventsAsync("Killing", 2)).Order(StringComparer.Ordinal));
    }

    [Theory]
    [InlineData(0, "0s")]
    [InlineData(512, "512ms")]
    [InlineData(1234, "1.234s")]
    [InlineData(1500, "1.5s")]
    [InlineData(62_500, "1m2.5s")]
    [InlineData(3_600_000, "1h0m0s")]
    public void Pull_durations_print_as_Go_does(long milliseconds, string expected) =>
        Assert.Equal(expected, GoDuration.FormatPrecise(TimeSpan.FromMilliseconds(milliseconds)));
}
