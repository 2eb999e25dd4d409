using System.Net;
using Grpc.Core;
using Skiff.Cri.V1;
using Skiff.Images;
using Skiff.Testing.Containerd;

namespace Skiff.Containerd.Tests;

[Collection(RuntimeCollection.Name)]
public sealed class ContainerdIntegrationTests(RuntimeFixture fixture)
{
    [SkippableFact]
    public async Task Cri_reports_containerd_ready_with_its_own_network()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var cri = fixture.Containerd.Cri;
        var version = await cri.Runtime.VersionAsync(new VersionRequest { Version = "v1" });
        Assert.Equal("containerd", version.RuntimeName);
        Assert.Equal("v1", version.RuntimeApiVersion);

        var status = await cri.Runtime.StatusAsync(new StatusRequest { Verbose = true });
        Assert.Contains(status.Status.Conditions, c => c.Type == "RuntimeReady" && c.Status);
        Assert.Contains(status.Status.Conditions, c => c.Type == "NetworkReady" && c.Status);
        // The CNI config containerd loaded is ours: our bridge and subnet.
        Assert.Contains(fixture.Containerd.Options.BridgeName, status.Info["cniconfig"], StringComparison.Ordinal);
        Assert.Contains(fixture.Containerd.Options.Subnet, status.Info["cniconfig"], StringComparison.Ordinal);
    }

    [SkippableFact]
    public async Task Busybox_pod_runs_and_gets_an_ip_from_the_node_subnet()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var cri = fixture.Containerd.Cri;
        var pod = await RawCriPod.RunAsync(cri, "busy", "busybox", ["sleep", "3600"], fixture.LogRoot, CancellationToken.None);
        try
        {
            Assert.True(Ipv4Subnet.Parse(fixture.Containerd.Options.Subnet).Contains(IPAddress.Parse(pod.PodIp)), $"pod IP {pod.PodIp}");
            var status = await cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = pod.ContainerId });
            Assert.Equal(ContainerState.ContainerRunning, status.Status.State);
            Assert.Equal(WellKnownImages.Busybox, status.Status.Image.Image);

            // pid=CONTAINER: the container's command is PID 1 of its own namespace, not a child of pause.
            var exec = await cri.Runtime.ExecSyncAsync(new ExecSyncRequest { ContainerId = pod.ContainerId, Cmd = { "cat", "/proc/1/cmdline" }, Timeout = 10 });
            Assert.Equal(0, exec.ExitCode);
            Assert.Equal("sleep\03600\0", exec.Stdout.ToStringUtf8());

            var ip = await cri.Runtime.ExecSyncAsync(new ExecSyncRequest { ContainerId = pod.ContainerId, Cmd = { "ip", "-4", "addr", "show", "eth0" }, Timeout = 10 });
            Assert.Contains(pod.PodIp, ip.Stdout.ToStringUtf8(), StringComparison.Ordinal);
        }
        finally
        {
            await pod.RemoveAsync(cri, CancellationToken.None);
        }

        var error = await Assert.ThrowsAsync<RpcException>(async () =>
            await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = pod.SandboxId }));
        Assert.Equal(StatusCode.NotFound, error.StatusCode);
    }

    [SkippableFact]
    public async Task Nginx_pod_serves_the_welcome_page_on_its_pod_ip()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var cri = fixture.Containerd.Cri;
        var pod = await RawCriPod.RunAsync(cri, "web", "nginx", null, fixture.LogRoot, CancellationToken.None);
        try
        {
            using var http = new HttpClient { Timeout = TimeSpan.FromSeconds(5) };
            var body = await GetWhenUpAsync(http, new Uri($"http://{pod.PodIp}/"));
            Assert.Contains("Welcome to nginx!", body, StringComparison.Ordinal);

            // Access log goes to stdout, so it reaches the CRI log file.
            var status = await cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = pod.ContainerId });
            var logLines = await WaitForLogAsync(status.Status.LogPath, "\"GET / HTTP/1.1\" 200");
            Assert.Contains(" stdout F ", logLines, StringComparison.Ordinal);

            // The image's StopSignal (SIGQUIT) makes nginx exit cleanly.
            await cri.Runtime.StopContainerAsync(new StopContainerRequest { ContainerId = pod.ContainerId, Timeout = 10 });
            var stopped = await cri.Runtime.ContainerStatusAsync(new ContainerStatusRequest { ContainerId = pod.ContainerId });
            Assert.Equal(ContainerState.ContainerExited, stopped.Status.State);
            Assert.Equal(0, stopped.Status.ExitCode);
        }
        finally
        {
            await pod.RemoveAsync(cri, CancellationToken.None);
        }
    }

    [SkippableFact]
    public async Task Imported_images_are_visible_to_cri_and_not_imported_twice()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var cri = fixture.Containerd.Cri;
        foreach (var reference in new[] { WellKnownImages.Pause, WellKnownImages.Busybox, WellKnownImages.Nginx })
        {
            var status = await cri.Images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = reference } });
            Assert.NotNull(status.Image);
            Assert.Contains(reference, status.Image.RepoTags);
        }

        var missing = await cri.Images.ImageStatusAsync(new ImageStatusRequest { Image = new ImageSpec { Image = "docker.io/library/not-built:1" } });
        Assert.Null(missing.Image);

        var again = await ImageBuilder.EnsureImagesAsync(
            new ImageBuildOptions { CacheDir = Path.Combine(fixture.WorkDir, "images"), ContainerdAddress = fixture.Containerd.SocketPath },
            new Progress<string>(),
            CancellationToken.None);
        Assert.All(again, result => Assert.False(result.Built));
        Assert.All(again, result => Assert.False(result.Imported));
        Assert.Equal(fixture.Images.Select(i => i.ManifestDigest), again.Select(i => i.ManifestDigest));
    }

    private static async Task<string> GetWhenUpAsync(HttpClient http, Uri uri)
    {
        // nginx needs a moment after StartContainer returns before it listens.
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                return await http.GetStringAsync(uri);
            }
            catch (HttpRequestException) when (attempt < 100)
            {
                await Task.Delay(100);
            }
        }
    }

    private static async Task<string> WaitForLogAsync(string path, string expected)
    {
        for (var attempt = 0; ; attempt++)
        {
            var text = File.Exists(path) ? await File.ReadAllTextAsync(path) : string.Empty;
            if (text.Contains(expected, StringComparison.Ordinal) || attempt >= 50)
            {
                return text;
            }

            await Task.Delay(100);
        }
    }
}

[Collection(RuntimeCollection.Name)]
public sealed class RawCriStartupBenchmarkTests(RuntimeFixture fixture)
{
    [SkippableFact]
    public async Task Measures_every_pod_until_it_serves_http_and_removes_them()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var cri = fixture.Containerd.Cri;
        var report = await RawCriStartupBenchmark.MeasureAsync(
            cri, new RawCriStartupOptions(3, "busybox", ["httpd", "-f", "-p", "80"], 80, fixture.LogRoot), CancellationToken.None);

        Assert.Equal(3, report.Pods);
        Assert.NotNull(report.HttpReady);
        Assert.True(report.PodStarted.P50 >= report.RunPodSandbox.P50);
        Assert.True(report.HttpReady.Max >= report.PodStarted.P50);
        var left = await cri.Runtime.ListPodSandboxAsync(new ListPodSandboxRequest
        {
            Filter = new PodSandboxFilter { LabelSelector = { ["io.kubernetes.pod.namespace"] = "default" } },
        });
        Assert.DoesNotContain(left.Items, s => s.Metadata.Name.StartsWith("bench-", StringComparison.Ordinal));
    }
}
