using k8s.Models;
using Skiff.Cri.V1;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Tests.Fakes;
using static Skiff.Kubelet.Tests.Fakes.KubeletTestContext;

namespace Skiff.Kubelet.Tests;

public sealed class PodSyncerTests : IDisposable
{
    private readonly KubeletTestContext ctx = new();

    public void Dispose() => ctx.Dispose();

    [Fact]
    public async Task First_sync_runs_the_sandbox_then_each_container_in_order_and_reports_running()
    {
        var pod = Pod("web", Container("nginx", "nginx"), Container("side", "busybox", "sleep", "inf"));
        pod.Spec.Volumes = [new V1Volume { Name = "shared", EmptyDir = new V1EmptyDirVolumeSource() }];
        pod.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "shared", MountPath = "/a" }];
        pod.Spec.Containers[1].VolumeMounts = [new V1VolumeMount { Name = "shared", MountPath = "/b" }];

        var status = await ctx.Syncer(pod).SyncAsync(pod, CancellationToken.None);

        var actions = ctx.Runtime.Calls.Where(c => c is "RunPodSandbox" or "CreateContainer" or "StartContainer").ToList();
        Assert.Equal(["RunPodSandbox", "CreateContainer", "StartContainer", "CreateContainer", "StartContainer"], actions);
        var sandbox = Assert.Single(ctx.Runtime.Sandboxes.Values);
        Assert.Equal(NamespaceMode.Container, sandbox.Config.Linux.SecurityContext.NamespaceOptions.Pid);
        Assert.Equal("/kubepods/besteffort/poduid-web", sandbox.Config.Linux.CgroupParent);
        Assert.Equal(Path.Combine(ctx.Options.PodLogsDir, "default_web_uid-web"), sandbox.Config.LogDirectory);
        Assert.Equal("uid-web", sandbox.Config.Labels[KubeletLabels.PodUid]);
        Assert.Equal("node-a", sandbox.Config.Labels[KubeletLabels.Node]);
        Assert.Equal("web", sandbox.Config.Hostname);

        // Every container got the very config its sandbox was run with, and both share one emptyDir host path.
        Assert.All(ctx.Runtime.Containers.Values, c => Assert.Equal(sandbox.Config, c.SandboxConfig));
        var hostPaths = ctx.Runtime.Containers.Values.Select(c => c.Config.Mounts.Single(m => m.ContainerPath != "/etc/hosts").HostPath).Distinct().ToList();
        Assert.Single(hostPaths);
        Assert.True(Directory.Exists(hostPaths[0]));
        // And the kubelet-managed /etc/hosts, one file for the pod.
        var hosts = ctx.Runtime.Containers.Values.Select(c => c.Config.Mounts.Single(m => m.ContainerPath == "/etc/hosts").HostPath).Distinct().ToList();
        Assert.Contains("\tweb\n", await File.ReadAllTextAsync(Assert.Single(hosts)), StringComparison.Ordinal);
        Assert.Equal("nginx/0.log", ctx.Runtime.Container("nginx").Config.LogPath);

        Assert.Equal("Running", status.Phase);
        Assert.Equal("10.88.0.1", status.PodIP);
        Assert.Equal("192.0.2.10", status.HostIP);
        Assert.All(status.ContainerStatuses, s => Assert.True(s.Ready && s.Started == true && s.State.Running is not null));
        Assert.StartsWith("containerd://container-", status.ContainerStatuses[0].ContainerID);
        Assert.Equal("True", status.Conditions.Single(c => c.Type == "Ready").Status);
        Assert.Equal(
            ["PodReadyToStartContainers", "Initialized", "Ready", "ContainersReady", "PodScheduled"],
            status.Conditions.Select(c => c.Type));
    }

    [Fact]
    public async Task Init_containers_run_one_at_a_time_and_must_exit_zero_before_the_next()
    {
        var pod = Pod("init", Container("main"));
        pod.Spec.InitContainers = [Container("first"), Container("second")];
        var syncer = ctx.Syncer(pod);

        var status = await syncer.SyncAsync(pod, CancellationToken.None);
        Assert.Equal(["first"], ctx.Runtime.Containers.Values.Select(c => c.Config.Metadata.Name));
        Assert.Equal("Pending", status.Phase);
        Assert.Equal("PodInitializing", status.ContainerStatuses[0].State.Waiting.Reason);
        var initialized = status.Conditions.Single(c => c.Type == "Initialized");
        Assert.Equal("False", initialized.Status);
        Assert.Equal("containers with incomplete status: [first second]", initialized.Message);

        status = await syncer.SyncAsync(pod, CancellationToken.None);
        Assert.Single(ctx.Runtime.Containers); // still running: nothing else starts
        Assert.NotNull(status.InitContainerStatuses[0].State.Running);
        Assert.False(status.InitContainerStatuses[0].Ready); // an init container is ready only once it completed

        ctx.Runtime.Exit(ctx.Runtime.Container("first").Id, 0);
        await syncer.SyncAsync(pod, CancellationToken.None);
        Assert.Equal(["first", "second"], ctx.Runtime.Containers.Values.Select(c => c.Config.Metadata.Name));

        ctx.Runtime.Exit(ctx.Runtime.Container("second").Id, 0);
        status = await syncer.SyncAsync(pod, CancellationToken.None);
        Assert.Equal("init", ctx.Runtime.Container("first").Config.Labels[KubeletLabels.ContainerType] is "init" ? "init" : "");
        Assert.Equal("Running", status.Phase);
        Assert.Equal("True", status.Conditions.Single(c => c.Type == "Initialized").Status);
        Assert.All(status.InitContainerStatuses, s => Assert.Equal("Completed", s.State.Terminated.Reason));
        Assert.All(status.InitContainerStatuses, s => Assert.True(s.Ready));
    }

    [Fact]
    public async Task A_failed_init_container_fails_a_pod_that_never_restarts()
    {
        var pod = Pod("initfail", Container("main"));
        pod.Spec.RestartPolicy = "Never";
        pod.Spec.InitContainers = [Container("setup")];
        var syncer = ctx.Syncer(pod);
        await syncer.SyncAsync(pod, CancellationToken.None);
        ctx.Runtime.Exit(ctx.Runtime.Container("setup").Id, 2);

        var status = await syncer.SyncAsync(pod, CancellationToken.None);

        Assert.Equal("Failed", status.Phase);
        Assert.Equal(2, status.InitContainerStatuses[0].State.Terminated.ExitCode);
        Assert.DoesNotContain(ctx.Runtime.Containers.Values, c => c.Config.Metadata.Name == "main");
        Assert.Equal(PodSandboxState.SandboxNotready, ctx.Runtime.Sandboxes.Values.Single().State);
    }

    [Fact]
    public async Task A_missing_image_is_pulled_once_then_reported_as_ErrImagePull_and_ImagePullBackOff()
    {
        var pod = Pod("noimg", Container("c", "example.invalid/nothere:1"));
        var syncer = ctx.Syncer(pod);

        var status = await syncer.SyncAsync(pod, CancellationToken.None);
        var waiting = status.ContainerStatuses[0].State.Waiting;
        Assert.Equal("ErrImagePull", waiting.Reason);
        Assert.Contains("failed to pull and unpack image \"example.invalid/nothere:1\"", waiting.Message);
        Assert.Equal("Pending", status.Phase);
        Assert.Empty(ctx.Runtime.Containers);

        status = await syncer.SyncAsync(pod, CancellationToken.None);
        Assert.Equal("ImagePullBackOff", status.ContainerStatuses[0].State.Waiting.Reason);
        Assert.Single(ctx.Images.Calls, c => c.StartsWith("PullImage", StringComparison.Ordinal));

        ctx.Time.Advance(TimeSpan.FromSeconds(11));
        await syncer.SyncAsync(pod, CancellationToken.None);
        Assert.Equal(2, ctx.Images.Calls.Count(c => c.StartsWith("PullImage", StringComparison.Ordinal)));
    }

    [Fact]
    public async Task Offline_a_present_image_is_never_pulled_even_with_pull_policy_Always()
    {
        var pod = Pod("present", Container("c", "nginx"));
        pod.Spec.Containers[0].ImagePullPolicy = "Always";

        await ctx.Syncer(pod).SyncAsync(pod, CancellationToken.None);

        Assert.DoesNotContain(ctx.Images.Calls, c => c.StartsWith("PullImage", StringComparison.Ordinal));
        Assert.Single(ctx.Runtime.Containers);
    }

    [Fact]
    public async Task Online_pull_policy_Always_pulls_a_present_image_and_IfNotPresent_does_not()
    {
        ctx.Options.UsePresentImageForPullAlways = false;
        ctx.Images.PullSucceeds = true;
        var always = Pod("always", Container("c", "nginx"));
        always.Spec.Containers[0].ImagePullPolicy = "Always";
        var pinned = Pod("pinned", Container("c", "busybox"));
        pinned.Spec.Containers[0].ImagePullPolicy = "IfNotPresent";

        await ctx.Syncer(always).SyncAsync(always, CancellationToken.None);
        await ctx.Syncer(pinned).SyncAsync(pinned, CancellationToken.None);

        Assert.Equal(["PullImage nginx"], ctx.Images.Calls.Where(c => c.StartsWith("PullImage", StringComparison.Ordinal)));
        Assert.Equal(2, ctx.Runtime.Containers.Count);
    }

    [Fact]
    public async Task A_pull_secret_matching_the_registry_is_used_and_others_are_not()
    {
        ctx.Images.PullSucceeds = true;
        ctx.Images.RequiredCredentials = ("alice", "s3cret");
        ctx.Api.Seed(DockerConfigSecret("regcred", """{"auths":{"other.example":{"username":"bob","password":"x"},"https://registry.example:5000/v1/":{"auth":"YWxpY2U6czNjcmV0"}}}"""));
        var pod = Pod("private", Container("c", "registry.example:5000/team/app:1"));
        pod.Spec.ImagePullSecrets = [new V1LocalObjectReference { Name = "regcred" }];

        var status = await ctx.Syncer(pod).SyncAsync(pod, CancellationToken.None);

        Assert.Equal(["PullImage registry.example:5000/team/app:1 as alice"], ctx.Images.Calls.Where(c => c.StartsWith("PullImage", StringComparison.Ordinal)));
        Assert.Equal("Running", status.Phase);
    }

    [Fact]
    public async Task Without_a_usable_secret_the_pull_is_anonymous_fails_and_the_missing_secret_is_an_event()
    {
        ctx.Images.PullSucceeds = true;
        ctx.Images.RequiredCredentials = ("alice", "s3cret");
        var pod = Pod("nosecret", Container("c", "registry.example:5000/team/app:1"));
        pod.Spec.ImagePullSecrets = [new V1LocalObjectReference { Name = "gone" }];

        var status = await ctx.Syncer(pod).SyncAsync(pod, CancellationToken.None);

        Assert.Equal(["PullImage registry.example:5000/team/app:1"], ctx.Images.Calls.Where(c => c.StartsWith("PullImage", StringComparison.Ordinal)));
        Assert.Equal("ErrImagePull", status.ContainerStatuses[0].State.Waiting.Reason);
        Assert.Contains("authorization failed", status.ContainerStatuses[0].State.Waiting.Message, StringComparison.Ordinal);
        await NodeAgentTests.WaitUntilAsync(() => ctx.Events("FailedToRetrieveImagePullSecret").Count > 0);
        Assert.Equal(
            ["Warning FailedToRetrieveImagePullSecret : Unable to retrieve some image pull secrets (default/gone); attempting to pull the image may not succeed."],
            ctx.Events("FailedToRetrieveImagePullSecret"));
    }

    [Fact]
    public async Task An_ephemeral_container_starts_once_in_its_targets_process_namespace_and_is_never_restarted()
    {
        var pod = Pod("debugged", Container("web", "nginx"));
        var syncer = ctx.Syncer(pod);
        await syncer.SyncAsync(pod, CancellationToken.None);
        pod.Spec.EphemeralContainers = [new V1EphemeralContainer { Name = "debugger", Image = "busybox", ImagePullPolicy = "IfNotPresent", TargetContainerName = "web", Stdin = true, Tty = true }];

        var status = await syncer.SyncAsync(pod, CancellationToken.None);

        var debugger = ctx.Runtime.Container("debugger");
        Assert.Equal(NamespaceMode.Target, debugger.Config.Linux.SecurityContext.NamespaceOptions.Pid);
        Assert.Equal(ctx.Runtime.Container("web").Id, debugger.Config.Linux.SecurityContext.NamespaceOptions.TargetId);
        Assert.True(debugger.Config.Stdin && debugger.Config.Tty);
        var ephemeral = Assert.Single(status.EphemeralContainerStatuses);
        Assert.Equal("debugger", ephemeral.Name);
        Assert.NotNull(ephemeral.State.Running);
        Assert.False(ephemeral.Ready);
        Assert.Equal("True", status.Conditions.Single(c => c.Type == "Ready").Status);

        ctx.Runtime.Exit(debugger.Id, 3);
        status = await syncer.SyncAsync(pod, CancellationToken.None);
        await syncer.SyncAsync(pod, CancellationToken.None);

        Assert.Single(ctx.Runtime.Containers.Values, c => c.Config.Metadata.Name == "debugger");
        Assert.Equal(3, status.EphemeralContainerStatuses[0].State.Terminated.ExitCode);
        Assert.Equal("Running", status.Phase);
    }

    private static V1Secret DockerConfigSecret(string name, string json) => new()
    {
        ApiVersion = "v1",
        Kind = "Secret",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default" },
        Type = "kubernetes.io/dockerconfigjson",
        Data = new Dictionary<string, byte[]> { [".dockerconfigjson"] = System.Text.Encoding.UTF8.GetBytes(json) },
    };

    [Fact]
    public async Task A_crashing_container_restarts_with_a_new_attempt_then_backs_off_doubling()
    {
        var pod = Pod("crash", Container("c"));
        var syncer = ctx.Syncer(pod);
        await syncer.SyncAsync(pod, CancellationToken.None);

        // First crash: restarted at once, as attempt 1.
        ctx.Runtime.Exit(ctx.Runtime.Container("c").Id, 1);
        var status = await syncer.SyncAsync(pod, CancellationToken.None);
        Assert.Equal(1u, ctx.Runtime.Container("c").Config.Metadata.Attempt);
        Assert.Equal("c/1.log", ctx.Runtime.Container("c").Config.LogPath);
        Assert.Equal(1, status.ContainerStatuses[0].RestartCount);
        Assert.Equal(1, status.ContainerStatuses[0].LastState.Terminated.ExitCode);

        // Second crash: 10 s back-off.
        ctx.Runtime.Exit(ctx.Runtime.Container("c").Id, 1);
        status = await syncer.SyncAsync(pod, CancellationToken.None);
        var waiting = status.ContainerStatuses[0].State.Waiting;
        Assert.Equal("CrashLoopBackOff", waiting.Reason);
        Assert.Equal("back-off 10s restarting failed container=c pod=crash_default(uid-crash)", waiting.Message);
        Assert.Equal("Running", status.Phase);
        Assert.Equal(1u, ctx.Runtime.Container("c").Config.Metadata.Attempt);

        ctx.Time.Advance(TimeSpan.FromSeconds(11));
        await syncer.SyncAsync(pod, CancellationToken.None);
        Assert.Equal(2u, ctx.Runtime.Container("c").Config.Metadata.Attempt);

        ctx.Runtime.Exit(ctx.Runtime.Container("c").Id, 1);
        status = await syncer.SyncAsync(pod, CancellationToken.None);
        Assert.StartsWith("back-off 20s", status.ContainerStatuses[0].State.Waiting.Message);

        // Only the newest and the previous instance are kept.
        Assert.True(ctx.Runtime.Containers.Count <= 2);
    }

    [Fact]
    public async Task OnFailure_does_not_restart_a_successful_container_and_the_pod_succeeds()
    {
        var pod = Pod("job", Container("c"));
        pod.Spec.RestartPolicy = "OnFailure";
        var syncer = ctx.Syncer(pod);
        await syncer.SyncAsync(pod, CancellationToken.None);
        ctx.Runtime.Exit(ctx.Runtime.Container("c").Id, 0);

        var status = await syncer.SyncAsync(pod, CancellationToken.None);

        Assert.Equal("Succeeded", status.Phase);
        Assert.Single(ctx.Runtime.Containers);
        Assert.Equal("PodCompleted", status.Conditions.Single(c => c.Type == "Ready").Reason);
        Assert.Equal(PodSandboxState.SandboxNotready, ctx.Runtime.Sandboxes.Values.Single().State);
        Assert.Equal("10.88.0.1", status.PodIP); // still reported after the sandbox stopped, as Kubernetes does
    }

    [Fact]
    public async Task Never_with_a_failed_container_fails_the_pod()
    {
        var pod = Pod("once", Container("c"));
        pod.Spec.RestartPolicy = "Never";
        var syncer = ctx.Syncer(pod);
        await syncer.SyncAsync(pod, CancellationToken.None);
        ctx.Runtime.Exit(ctx.Runtime.Container("c").Id, 3);

        var status = await syncer.SyncAsync(pod, CancellationToken.None);

        Assert.Equal("Failed", status.Phase);
        var terminated = status.ContainerStatuses[0].State.Terminated;
        Assert.Equal(3, terminated.ExitCode);
        Assert.Equal("Error", terminated.Reason);
    }

    [Fact]
    public async Task A_new_kubelet_adopts_running_containers_without_restarting_them()
    {
        var pod = Pod("adopt", Container("a"), Container("b"));
        await ctx.Syncer(pod).SyncAsync(pod, CancellationToken.None);
        ctx.Runtime.Exit(ctx.Runtime.Container("b").Id, 1);
        await ctx.Syncer(pod).SyncAsync(pod, CancellationToken.None); // restarts b as attempt 1
        ctx.Runtime.ClearCalls();

        var status = await ctx.Syncer(pod).SyncAsync(pod, CancellationToken.None);

        Assert.DoesNotContain(ctx.Runtime.Calls, c => c is "RunPodSandbox" or "CreateContainer" or "StartContainer" or "StopContainer");
        Assert.Equal("Running", status.Phase);
        Assert.Equal(1, status.ContainerStatuses.Single(s => s.Name == "b").RestartCount);
        Assert.All(status.ContainerStatuses, s => Assert.True(s.Ready));
    }

    [Fact]
    public async Task A_dead_sandbox_is_replaced_by_the_next_attempt()
    {
        var pod = Pod("resandbox", Container("c"));
        var syncer = ctx.Syncer(pod);
        await syncer.SyncAsync(pod, CancellationToken.None);
        await ctx.Runtime.StopPodSandboxAsync(ctx.Runtime.Sandboxes.Keys.Single(), CancellationToken.None);

        var status = await syncer.SyncAsync(pod, CancellationToken.None);

        var sandbox = Assert.Single(ctx.Runtime.Sandboxes.Values);
        Assert.Equal(1u, sandbox.Config.Metadata.Attempt);
        Assert.Equal(1u, ctx.Runtime.Container("c").Config.Metadata.Attempt);
        Assert.Equal("Running", status.Phase);
    }

    [Fact]
    public async Task Termination_stops_containers_with_the_grace_period_and_removes_everything()
    {
        var pod = Pod("bye", Container("a"), Container("b"));
        pod.Spec.Volumes = [new V1Volume { Name = "tmp", EmptyDir = new V1EmptyDirVolumeSource() }];
        pod.Spec.Containers[0].VolumeMounts = [new V1VolumeMount { Name = "tmp", MountPath = "/tmp" }];
        var syncer = ctx.Syncer(pod);
        await syncer.SyncAsync(pod, CancellationToken.None);
        var logDir = ctx.Runtime.Sandboxes.Values.Single().Config.LogDirectory;
        var podDir = Path.Combine(ctx.Options.RootDir, "pods", "uid-bye");
        var cgroup = Path.Combine(ctx.Options.CgroupRoot, "memory", "kubepods", "besteffort", "poduid-bye");
        Directory.CreateDirectory(cgroup);
        Assert.True(Directory.Exists(logDir) && Directory.Exists(podDir));

        pod.Metadata.DeletionTimestamp = ctx.Time.GetUtcNow().UtcDateTime;
        pod.Metadata.DeletionGracePeriodSeconds = 7;
        await syncer.TerminateAsync(pod, PodSyncer.GracePeriod(pod), CancellationToken.None);

        Assert.Equal(2, ctx.Runtime.Stops.Count);
        Assert.All(ctx.Runtime.Stops, s => Assert.Equal(7, s.Timeout));
        Assert.Empty(ctx.Runtime.Sandboxes);
        Assert.Empty(ctx.Runtime.Containers);
        Assert.False(Directory.Exists(logDir));
        Assert.False(Directory.Exists(podDir));
        Assert.False(Directory.Exists(cgroup));
        var calls = ctx.Runtime.Calls.ToList();
        Assert.True(calls.LastIndexOf("StopContainer") < calls.IndexOf("StopPodSandbox"));
    }

    [Fact]
    public async Task Env_resolves_field_refs_config_maps_and_expansion()
    {
        await ctx.SeedAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "cfg", NamespaceProperty = "default" },
            Data = new Dictionary<string, string> { ["greeting"] = "hello", ["color"] = "blue" },
        });
        var container = Container("c", "busybox", "echo", "$(GREETING) $(NAME)");
        container.EnvFrom = [new V1EnvFromSource { ConfigMapRef = new V1ConfigMapEnvSource { Name = "cfg" }, Prefix = "CFG_" }];
        container.Env =
        [
            new V1EnvVar { Name = "NAME", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } },
            new V1EnvVar { Name = "IP", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "status.podIP" } } },
            new V1EnvVar { Name = "NODE", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "spec.nodeName" } } },
            new V1EnvVar { Name = "GREETING", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "cfg", Key = "greeting" } } },
            new V1EnvVar { Name = "BOTH", Value = "$(GREETING)-$(NAME)-$$(NAME)" },
        ];
        var pod = Pod("envy", container);

        await ctx.Syncer(pod).SyncAsync(pod, CancellationToken.None);

        var config = ctx.Runtime.Container("c").Config;
        var env = config.Envs.ToDictionary(e => e.Key, e => e.Value);
        Assert.Equal("blue", env["CFG_color"]);
        Assert.Equal("envy", env["NAME"]);
        Assert.Equal("10.88.0.1", env["IP"]);
        Assert.Equal("node-a", env["NODE"]);
        Assert.Equal("hello-envy-$(NAME)", env["BOTH"]);
        Assert.Equal(["echo", "hello envy"], config.Command);
    }

    [Fact]
    public async Task A_missing_config_map_is_a_CreateContainerConfigError()
    {
        var container = Container("c");
        container.Env = [new V1EnvVar { Name = "X", ValueFrom = new V1EnvVarSource { ConfigMapKeyRef = new V1ConfigMapKeySelector { Name = "gone", Key = "k" } } }];
        var pod = Pod("nocfg", container);

        var status = await ctx.Syncer(pod).SyncAsync(pod, CancellationToken.None);

        var waiting = status.ContainerStatuses[0].State.Waiting;
        Assert.Equal("CreateContainerConfigError", waiting.Reason);
        Assert.Equal("configmap \"gone\" not found", waiting.Message);
        Assert.Empty(ctx.Runtime.Containers);
    }

    [Fact]
    public async Task Config_map_secret_and_downward_api_volumes_are_written_as_files()
    {
        await ctx.SeedAsync(new V1ConfigMap
        {
            Metadata = new V1ObjectMeta { Name = "cfg", NamespaceProperty = "default" }, Data = new Dictionary<string, string> { ["app.conf"] = "x=1" },
        });
        await ctx.SeedAsync(new V1Secret
        {
            Metadata = new V1ObjectMeta { Name = "sec", NamespaceProperty = "default" },
            Data = new Dictionary<string, byte[]> { ["password"] = "s3cret"u8.ToArray() },
        });
        var container = Container("c");
        container.VolumeMounts =
        [
            new V1VolumeMount { Name = "cfg", MountPath = "/etc/app" },
            new V1VolumeMount { Name = "sec", MountPath = "/etc/sec", ReadOnlyProperty = true },
            new V1VolumeMount { Name = "info", MountPath = "/etc/info" },
        ];
        var pod = Pod("vols", container);
        pod.Spec.Volumes =
        [
            new V1Volume { Name = "cfg", ConfigMap = new V1ConfigMapVolumeSource { Name = "cfg" } },
            new V1Volume { Name = "sec", Secret = new V1SecretVolumeSource { SecretName = "sec" } },
            new V1Volume
            {
                Name = "info",
                DownwardAPI = new V1DownwardAPIVolumeSource
                {
                    Items = [new V1DownwardAPIVolumeFile { Path = "labels", FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.labels" } }],
                },
            },
        ];

        await ctx.Syncer(pod).SyncAsync(pod, CancellationToken.None);

        var mounts = ctx.Runtime.Container("c").Config.Mounts.ToDictionary(m => m.ContainerPath);
        Assert.Equal("x=1", await File.ReadAllTextAsync(Path.Combine(mounts["/etc/app"].HostPath, "app.conf")));
        Assert.Equal("s3cret", await File.ReadAllTextAsync(Path.Combine(mounts["/etc/sec"].HostPath, "password")));
        Assert.True(mounts["/etc/sec"].Readonly);
        Assert.Equal("app=\"vols\"", await File.ReadAllTextAsync(Path.Combine(mounts["/etc/info"].HostPath, "labels")));
    }

    [Fact]
    public async Task Readiness_follows_the_probe_and_a_failed_liveness_probe_restarts_the_container()
    {
        var container = Container("web");
        container.ReadinessProbe = new V1Probe { PeriodSeconds = 1, FailureThreshold = 1 };
        container.LivenessProbe = new V1Probe { PeriodSeconds = 1, FailureThreshold = 2 };
        var pod = Pod("probed", container);
        pod.Spec.TerminationGracePeriodSeconds = 5;
        ctx.Prober.Results[container.ReadinessProbe] = false;
        var syncer = ctx.Syncer(pod);

        var status = await syncer.SyncAsync(pod, CancellationToken.None);
        Assert.False(status.ContainerStatuses[0].Ready);
        Assert.Equal("Running", status.Phase);
        Assert.Equal("False", status.Conditions.Single(c => c.Type == "Ready").Status);
        Assert.Equal("containers with unready status: [web]", status.Conditions.Single(c => c.Type == "Ready").Message);

        ctx.Prober.Results[container.ReadinessProbe] = true;
        ctx.Time.Advance(TimeSpan.FromSeconds(1));
        status = await syncer.SyncAsync(pod, CancellationToken.None);
        Assert.True(status.ContainerStatuses[0].Ready);

        ctx.Prober.Results[container.LivenessProbe] = false;
        ctx.Time.Advance(TimeSpan.FromSeconds(1));
        await syncer.SyncAsync(pod, CancellationToken.None);
        Assert.Empty(ctx.Runtime.Stops); // one failure is below the threshold
        ctx.Time.Advance(TimeSpan.FromSeconds(1));
        await syncer.SyncAsync(pod, CancellationToken.None);
        Assert.Equal(5, Assert.Single(ctx.Runtime.Stops).Timeout);

        ctx.Prober.Results[container.LivenessProbe] = true;
        status = await syncer.SyncAsync(pod, CancellationToken.None);
        Assert.Equal(1u, ctx.Runtime.Container("web").Config.Metadata.Attempt);
        Assert.Equal(137, status.ContainerStatuses[0].LastState.Terminated.ExitCode);
    }

    [Fact]
    public async Task A_failing_CreateContainer_is_reported_with_the_runtime_message()
    {
        ctx.Runtime.InjectError("CreateContainer", new Grpc.Core.RpcException(new Grpc.Core.Status(
            Grpc.Core.StatusCode.Unknown, "failed to create containerd container: boom")));
        var pod = Pod("cce", Container("c"));

        var status = await ctx.Syncer(pod).SyncAsync(pod, CancellationToken.None);

        var waiting = status.ContainerStatuses[0].State.Waiting;
        Assert.Equal("CreateContainerError", waiting.Reason);
        Assert.Equal("failed to create containerd container: boom", waiting.Message);
    }
}
