using System.Text.RegularExpressions;
using k8s;

namespace Skiff.Cli.Tests;

/// <summary>
/// Runs the real kubectl and <c>skiff kubectl</c> against the same real API server and compares what they print.
/// Only AGE-like durations are normalised (the two runs may straddle a second).
/// </summary>
public sealed partial class ComparisonTests : IClassFixture<ServerFixture>
{
    private const string Pod = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: web
          labels:
            app: web
            tier: front
          annotations:
            team: blue
        spec:
          containers:
          - name: main
            image: nginx:1.27
            command: ["nginx", "-g", "daemon off;"]
            ports:
            - containerPort: 80
            env:
            - name: MODE
              value: production
            resources:
              requests:
                cpu: 100m
                memory: 64Mi
          - name: sidecar
            image: busybox
            args: ["sleep", "3600"]
        """;

    private const string Node = """
        apiVersion: v1
        kind: Node
        metadata:
          name: worker-1
          labels:
            kubernetes.io/hostname: worker-1
            node-role.kubernetes.io/worker: ""
        """;

    private readonly ServerFixture _fixture;

    public ComparisonTests(ServerFixture fixture) => _fixture = fixture;

    private async Task EnsureObjectsAsync()
    {
        var pods = await _fixture.SkiffAsync("get", "pod", "web", "-o", "name");
        if (pods.ExitCode != 0)
        {
            Assert.Equal(0, (await _fixture.SkiffWithInputAsync(Pod, "create", "-f", "-")).ExitCode);
            Assert.Equal(0, (await _fixture.SkiffWithInputAsync(Node, "create", "-f", "-")).ExitCode);
        }
    }

    [Theory]
    [InlineData("get", "pods")]
    [InlineData("get", "pods", "-o", "wide")]
    [InlineData("get", "pods", "-o", "name")]
    [InlineData("get", "pods", "-A")]
    [InlineData("get", "nodes")]
    [InlineData("get", "nodes", "-o", "wide")]
    [InlineData("get", "pod", "web")]
    [InlineData("get", "po,no")]
    [InlineData("get", "pods", "-l", "app=web", "-o", "name")]
    [InlineData("get", "pod/web", "node/worker-1")]
    [InlineData("get", "pod", "web", "-o", "yaml")]
    [InlineData("get", "pods", "-o", "json")]
    [InlineData("get", "pod", "web", "-o", "jsonpath={.metadata.name} {.spec.containers[*].image}{\"\\n\"}")]
    [InlineData("get", "pods", "-o", "jsonpath={range .items[*]}{.metadata.name}:{.spec.containers[?(@.name==\"main\")].ports[0].containerPort}{\"\\n\"}{end}")]
    [InlineData("get", "services")]
    [InlineData("get", "pods", "-n", "kube-system")]
    [InlineData("get", "pods", "nope")]
    [InlineData("get", "pods", "web", "nope")]
    [InlineData("get", "namespaces")]
    [InlineData("describe", "pod", "web")]
    [InlineData("describe", "pod", "nope")]
    [InlineData("delete", "pod", "nope")]
    [InlineData("get", "nosuchtype")]
    [InlineData("describe", "node", "worker-1")]
    [InlineData("api-resources")]
    [InlineData("logs", "nope")]
    [InlineData("logs", "web", "-c", "bad")]
    [InlineData("get", "pods", "--field-selector", "metadata.name=web")]
    [InlineData("get", "pods", "-l", "app=nomatch")]
    [InlineData("delete", "pod")]
    public async Task Prints_what_kubectl_prints(params string[] args)
    {
        if (!ServerFixture.RequireKubectl())
        {
            return;
        }

        await EnsureObjectsAsync();
        var expected = await _fixture.KubectlAsync(args);
        var actual = await _fixture.SkiffAsync(args);
        Same(Normalise(expected.ToString()), Normalise(actual.ToString()));
    }

    [Fact]
    public async Task Watch_prints_the_list_then_rows_as_objects_change_and_ends_cleanly_on_cancel()
    {
        using var stdout = new StringWriter();
        var output = TextWriter.Synchronized(stdout);
        using var stderr = new StringWriter();
        using var cancel = new CancellationTokenSource();
        var watch = SkiffKubectl.RunAsync(
            ["--kubeconfig", _fixture.KubeconfigPath, "get", "configmaps", "-l", "watched=yes", "-w"], output, TextWriter.Synchronized(stderr), new StringReader(string.Empty), _ => null, cancel.Token);
        string Printed()
        {
            // SyncTextWriter's methods lock on the writer itself.
            lock (output)
            {
                return stdout.ToString();
            }
        }

        string Seen() => $"stdout:\n{Printed()}\nstderr:\n{stderr}";
        await WaitForAsync(() => stderr.ToString().Contains("No resources found", StringComparison.Ordinal), Seen);
        var created = await _fixture.SkiffWithInputAsync("apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: watched-one\n  labels:\n    watched: \"yes\"\n", "create", "-f", "-");
        Assert.Equal(0, created.ExitCode);
        await WaitForAsync(() => Printed().Contains("watched-one", StringComparison.Ordinal), Seen);
        await cancel.CancelAsync();
        Assert.Equal(0, await watch);
        Assert.Matches(@"^NAME          DATA   AGE\nwatched-one   0      \d+s\n$", stdout.ToString());
    }

    /// <summary>Waits for something the server does asynchronously; the deadline only stops a hung test.</summary>
    private static async Task WaitForAsync(Func<bool> condition, Func<string> seen)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        while (!condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "gave up waiting; so far:\n" + seen());
            await Task.Delay(50);
        }
    }

    [Fact]
    public async Task Describe_of_a_running_pod_with_events_matches_kubectl()
    {
        if (!ServerFixture.RequireKubectl())
        {
            return;
        }

        var manifest = "apiVersion: v1\nkind: Pod\nmetadata:\n  name: running\nspec:\n  nodeName: worker-1\n  containers:\n  - name: app\n    image: busybox\n    volumeMounts:\n    - name: scratch\n      mountPath: /scratch\n    readinessProbe:\n      httpGet:\n        path: /healthz\n        port: 8080\n  volumes:\n  - name: scratch\n    emptyDir: {}\n";
        Assert.Equal(0, (await _fixture.SkiffWithInputAsync(manifest, "create", "-f", "-")).ExitCode);
        using var client = new k8s.Kubernetes(k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(_fixture.KubeconfigPath));
        var pod = await client.CoreV1.ReadNamespacedPodAsync("running", "default");
        var started = DateTime.UtcNow.AddMinutes(-3);
        pod.Status = new k8s.Models.V1PodStatus
        {
            Phase = "Running",
            HostIP = "10.0.0.5",
            PodIP = "10.244.0.7",
            PodIPs = [new k8s.Models.V1PodIP { Ip = "10.244.0.7" }],
            StartTime = started,
            QosClass = "BestEffort",
            Conditions = [new k8s.Models.V1PodCondition { Status = "True", Type = "Ready" }, new k8s.Models.V1PodCondition { Status = "True", Type = "PodScheduled" }],
            ContainerStatuses =
            [
                new k8s.Models.V1ContainerStatus
                {
                    Name = "app", Image = "busybox", ImageID = "sha256:abc", ContainerID = "containerd://123", Ready = true, RestartCount = 1,
                    State = new k8s.Models.V1ContainerState { Running = new k8s.Models.V1ContainerStateRunning { StartedAt = started.AddSeconds(30) } },
                    LastState = new k8s.Models.V1ContainerState { Terminated = new k8s.Models.V1ContainerStateTerminated { ExitCode = 137, Reason = "Error", StartedAt = started, FinishedAt = started.AddSeconds(20) } },
                },
            ],
        };
        await client.CoreV1.ReplaceNamespacedPodStatusAsync(pod, "running", "default");
        foreach (var (name, reason, count) in new[] { ("running.1", "Pulled", 1), ("running.2", "BackOff", 3) })
        {
            await client.CoreV1.CreateNamespacedEventAsync(
                new k8s.Models.Corev1Event
                {
                    Metadata = new k8s.Models.V1ObjectMeta { Name = name },
                    InvolvedObject = new k8s.Models.V1ObjectReference { Kind = "Pod", Name = "running", NamespaceProperty = "default", Uid = pod.Metadata.Uid },
                    Reason = reason, Message = $"{reason} happened", Type = count > 1 ? "Warning" : "Normal", Count = count,
                    FirstTimestamp = started.AddSeconds(5), LastTimestamp = started.AddSeconds(60 * count),
                    Source = new k8s.Models.V1EventSource { Component = "kubelet" },
                },
                "default");
        }

        var expected = await _fixture.KubectlAsync("describe", "pod", "running");
        var actual = await _fixture.SkiffAsync("describe", "pod", "running");
        Same(Normalise(expected.ToString()), Normalise(actual.ToString()));
    }

    [Fact]
    public async Task Create_twice_gives_AlreadyExists_like_kubectl()
    {
        if (!ServerFixture.RequireKubectl())
        {
            return;
        }

        var file = Path.Combine(_fixture.DataDirectory, "cm.yaml");
        await File.WriteAllTextAsync(file, "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: settings\ndata:\n  a: \"1\"\n");
        var first = await _fixture.SkiffAsync("create", "-f", file);
        Assert.Equal("configmap/settings created\n", first.Stdout);
        var expected = await _fixture.KubectlAsync("create", "--validate=false", "-f", file);
        var actual = await _fixture.SkiffAsync("create", "--validate=false", "-f", file);
        Assert.Equal(1, expected.ExitCode);
        Same(expected.ToString(), actual.ToString());
    }

    [Fact]
    public async Task Apply_creates_configures_and_leaves_unchanged_like_kubectl()
    {
        if (!ServerFixture.RequireKubectl())
        {
            return;
        }

        static string Manifest(string name, string image, string? label) =>
            $"apiVersion: v1\nkind: Pod\nmetadata:\n  name: {name}\n  labels:\n    app: applied\n{(label is null ? string.Empty : $"    extra: {label}\n")}spec:\n  containers:\n  - name: main\n    image: {image}\n";

        foreach (var (image, label) in new[] { ("nginx:1.27", (string?)"x"), ("nginx:1.27", "x"), ("nginx:1.28", null) })
        {
            var expected = await _fixture.KubectlWithInputAsync(Manifest("applied-k", image, label), "apply", "--validate=false", "-f", "-");
            var actual = await _fixture.SkiffWithInputAsync(Manifest("applied-s", image, label), "apply", "-f", "-");
            Same(expected.ToString().Replace("applied-k", "applied-s", StringComparison.Ordinal), actual.ToString());
        }

        var kubectlObject = await _fixture.SkiffAsync("get", "pod", "applied-k", "-o", "jsonpath={.metadata.annotations}|{.metadata.labels}|{.spec.containers[0].image}");
        var skiffObject = await _fixture.SkiffAsync("get", "pod", "applied-s", "-o", "jsonpath={.metadata.annotations}|{.metadata.labels}|{.spec.containers[0].image}");
        Assert.Equal(kubectlObject.Stdout.Replace("applied-k", "applied-s", StringComparison.Ordinal), skiffObject.Stdout);
        Assert.Contains("nginx:1.28", skiffObject.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("extra", skiffObject.Stdout.Split('|')[1], StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_waits_and_prints_like_kubectl()
    {
        if (!ServerFixture.RequireKubectl())
        {
            return;
        }

        foreach (var name in new[] { "doomed-k", "doomed-s" })
        {
            Assert.Equal(0, (await _fixture.SkiffWithInputAsync($"apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: {name}\n", "create", "-f", "-")).ExitCode);
        }

        var expected = await _fixture.KubectlAsync("delete", "configmap", "doomed-k");
        var actual = await _fixture.SkiffAsync("delete", "configmap", "doomed-s");
        Same(expected.ToString().Replace("doomed-k", "doomed-s", StringComparison.Ordinal), actual.ToString());
        Assert.Equal(1, (await _fixture.SkiffAsync("get", "configmap", "doomed-s")).ExitCode);
    }

    /// <summary>Equal texts, or a failure that shows both in full (xunit's string diff cuts them short).</summary>
    private static void Same(string kubectl, string skiff)
    {
        if (kubectl != skiff)
        {
            Assert.Fail($"kubectl printed:\n{kubectl}\n======== skiff kubectl printed:\n{skiff}");
        }
    }

    private static string Normalise(string text) => Age().Replace(text, "<age> ");

    [GeneratedRegex(@"(?<=^|\s)\d+[smhd](\d+[smh])? *(?=\S|\n|$)", RegexOptions.Multiline)]
    private static partial Regex Age();
}
