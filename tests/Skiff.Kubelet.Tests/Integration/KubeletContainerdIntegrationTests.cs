using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Client;
using Skiff.Cri.V1;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Runtime;
using Skiff.Kubelet.Tests.Fakes;
using Skiff.Testing;
using Skiff.Testing.Containerd;

namespace Skiff.Kubelet.Tests.Integration;

/// <summary>The kubelet's pod sync against a real containerd (the API side faked): real sandboxes, containers,
/// volumes, probes, restarts and teardown.</summary>
[Collection(RuntimeCollection.Name)]
public sealed class KubeletContainerdIntegrationTests : IDisposable
{
    private readonly RuntimeFixture fixture;
    private readonly string root = Directory.CreateTempSubdirectory("skiff-kubelet-it-").FullName;
    private readonly FakeApiClient api = new();
    private readonly ComponentContext context;
    private readonly CancellationTokenSource stop = new();

    public KubeletContainerdIntegrationTests(RuntimeFixture fixture)
    {
        this.fixture = fixture;
        context = ComponentContext.Create(api, TimeProvider.System, NullLoggerFactory.Instance);
        context.Informers.Start(stop.Token);
    }

    public void Dispose()
    {
        stop.Cancel();
        stop.Dispose();
        Directory.Delete(root, recursive: true);
    }

    private KubeletOptions Options() => new()
    {
        NodeName = "it-node",
        RootDir = Path.Combine(root, "kubelet"),
        PodLogsDir = Path.Combine(root, "logs"),
        RuntimeEndpoint = fixture.Containerd.SocketPath,
        PodResyncInterval = TimeSpan.FromMilliseconds(300),
    };

    private PodSyncDependencies Deps(KubeletOptions options, HttpClient http)
    {
        var runtime = new GrpcRuntimeService(fixture.Containerd.Cri.Runtime);
        return new PodSyncDependencies(
            options, new NodeFacts("it-node", "192.0.2.2", 2, 8L << 30), runtime, new GrpcImageService(fixture.Containerd.Cri.Images),
            api, context.Informers, context.Events.NewRecorder("kubelet", "it-node"), new Prober(runtime, http, NullLogger<Prober>.Instance),
            TimeProvider.System, NullLoggerFactory.Instance);
    }

    private static V1Pod WebPod()
    {
        var uid = Guid.NewGuid().ToString();
        return new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web-" + uid[..6], NamespaceProperty = "default", Uid = uid },
            Spec = new V1PodSpec
            {
                NodeName = "it-node",
                RestartPolicy = "Always",
                TerminationGracePeriodSeconds = 2,
                Volumes = [new V1Volume { Name = "www", EmptyDir = new V1EmptyDirVolumeSource() }],
                InitContainers =
                [
                    new V1Container
                    {
                        Name = "setup", Image = "busybox", ImagePullPolicy = "IfNotPresent",
                        Command = ["sh", "-c", "echo hello-from-$(POD) > /www/index.html"],
                        Env = [new V1EnvVar { Name = "POD", ValueFrom = new V1EnvVarSource { FieldRef = new V1ObjectFieldSelector { FieldPath = "metadata.name" } } }],
                        VolumeMounts = [new V1VolumeMount { Name = "www", MountPath = "/www" }],
                    },
                ],
                Containers =
                [
                    new V1Container
                    {
                        Name = "httpd", Image = "busybox", ImagePullPolicy = "IfNotPresent",
                        Command = ["httpd", "-f", "-p", "8080", "-h", "/www"],
                        Ports = [new V1ContainerPort { ContainerPort = 8080, Name = "http" }],
                        VolumeMounts = [new V1VolumeMount { Name = "www", MountPath = "/www", ReadOnlyProperty = true }],
                        ReadinessProbe = new V1Probe { HttpGet = new V1HTTPGetAction { Port = "http", Path = "/index.html" }, PeriodSeconds = 1 },
                    },
                    new V1Container
                    {
                        Name = "crasher", Image = "busybox", ImagePullPolicy = "IfNotPresent",
                        Command = ["sh", "-c", "sleep 1; exit 3"],
                    },
                ],
            },
        };
    }

    /// <summary>Syncs until <paramref name="done"/> holds; bounded so a broken kubelet fails instead of hanging.</summary>
    private static async Task<V1PodStatus> SyncUntilAsync(PodSyncer syncer, V1Pod pod, Func<V1PodStatus, bool> done)
    {
        V1PodStatus status = null!;
        for (var i = 0; i < 150; i++)
        {
            status = await syncer.SyncAsync(pod, CancellationToken.None);
            if (done(status))
            {
                return status;
            }

            await Task.Delay(200);
        }

        Assert.Fail("pod did not reach the expected state: " + KubernetesJson.Serialize(status));
        return status;
    }

    [SkippableFact]
    public async Task A_busybox_pod_runs_serves_restarts_is_adopted_and_is_torn_down()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var http = new HttpClient();
        var options = Options();
        var deps = Deps(options, http);
        var pod = WebPod();
        var syncer = new PodSyncer(deps, pod.Metadata.Uid);

        // Init container, then both containers; the httpd one becomes ready through its real readiness probe.
        var status = await SyncUntilAsync(syncer, pod, s => s.ContainerStatuses.Single(c => c.Name == "httpd").Ready);
        Assert.Equal("Running", status.Phase);
        Assert.Equal("Completed", status.InitContainerStatuses.Single().State.Terminated.Reason);
        Assert.StartsWith(fixture.Containerd.Options.Subnet.Split('.')[0] + "." + fixture.Containerd.Options.Subnet.Split('.')[1], status.PodIP);
        var body = await http.GetStringAsync(new Uri($"http://{status.PodIP}:8080/index.html"));
        Assert.Equal($"hello-from-{pod.Metadata.Name}\n", body);

        // The crasher exits 3 and is restarted with the next attempt; its previous run is lastState.
        status = await SyncUntilAsync(syncer, pod, s => s.ContainerStatuses.Single(c => c.Name == "crasher").RestartCount >= 1
            && s.ContainerStatuses.Single(c => c.Name == "crasher").LastState.Terminated is not null);
        var crasher = status.ContainerStatuses.Single(c => c.Name == "crasher");
        Assert.Equal(3, crasher.LastState.Terminated.ExitCode);
        Assert.Equal("Error", crasher.LastState.Terminated.Reason);
        Assert.True(File.Exists(Path.Combine(options.PodLogsDir, $"default_{pod.Metadata.Name}_{pod.Metadata.Uid}", "crasher", "1.log")));

        // A new kubelet (a new syncer) adopts the running containers instead of starting new ones.
        var httpdId = status.ContainerStatuses.Single(c => c.Name == "httpd").ContainerID;
        var adopted = await new PodSyncer(deps, pod.Metadata.Uid).SyncAsync(pod, CancellationToken.None);
        Assert.Equal(httpdId, adopted.ContainerStatuses.Single(c => c.Name == "httpd").ContainerID);
        Assert.Equal(0, adopted.ContainerStatuses.Single(c => c.Name == "httpd").RestartCount);

        // Teardown: containers stopped within the grace period, sandbox removed, directories and cgroups gone.
        await syncer.TerminateAsync(pod, 2, CancellationToken.None);
        var filter = new PodSandboxFilter();
        filter.LabelSelector[KubeletLabels.PodUid] = pod.Metadata.Uid;
        Assert.Empty(await deps.Runtime.ListPodSandboxAsync(filter, CancellationToken.None));
        Assert.False(Directory.Exists(Path.Combine(options.PodLogsDir, $"default_{pod.Metadata.Name}_{pod.Metadata.Uid}")));
        Assert.False(Directory.Exists(Path.Combine(options.RootDir, "pods", pod.Metadata.Uid)));
        Assert.Empty(Directory.EnumerateDirectories("/sys/fs/cgroup", $"pod{pod.Metadata.Uid}", SearchOption.AllDirectories)
            .Take(1));
    }

    [SkippableFact]
    public async Task The_kubelet_registers_its_node_and_runs_an_API_pod_to_Running_then_deletes_it()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var options = Options();
        var runtime = new GrpcRuntimeService(fixture.Containerd.Cri.Runtime);
        using var cts = new CancellationTokenSource();
        var kubelet = KubeletHost.RunAsync(options, context, runtime, new GrpcImageService(fixture.Containerd.Cri.Images), cts.Token);

        await NodeAgentTests.WaitUntilAsync(() => api.Peek<V1Node>(null, "it-node")?.Status is not null, 1500);
        Assert.Equal("containerd://1.6.20~ds1", api.Peek<V1Node>(null, "it-node")!.Status.NodeInfo.ContainerRuntimeVersion);

        var pod = KubeletTestContext.Pod("sleeper", KubeletTestContext.Container("c", "busybox", "sleep", "3600"));
        pod.Spec.NodeName = "it-node";
        pod.Metadata.Uid = Guid.NewGuid().ToString();
        api.Seed(pod);
        await NodeAgentTests.WaitUntilAsync(() => api.Peek<V1Pod>("default", "sleeper")?.Status?.Phase == "Running", 1500);
        var status = api.Peek<V1Pod>("default", "sleeper")!.Status;
        Assert.True(status.ContainerStatuses.Single().Ready);
        Assert.False(string.IsNullOrEmpty(status.HostIP));
        Assert.False(string.IsNullOrEmpty(status.PodIP));

        await api.DeleteAsync<V1Pod>("default", "sleeper", new V1DeleteOptions { GracePeriodSeconds = 1 }, CancellationToken.None);
        await NodeAgentTests.WaitUntilAsync(() => api.Peek<V1Pod>("default", "sleeper") is null, 1500);
        var filter = new PodSandboxFilter();
        filter.LabelSelector[KubeletLabels.PodUid] = pod.Metadata.Uid;
        Assert.Empty(await runtime.ListPodSandboxAsync(filter, CancellationToken.None));

        await cts.CancelAsync();
        await kubelet;
    }
}
