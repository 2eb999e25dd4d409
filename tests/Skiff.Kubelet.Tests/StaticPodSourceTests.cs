using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Kubelet.Pods;
using Skiff.Kubelet.Tests.Fakes;

namespace Skiff.Kubelet.Tests;

public sealed class StaticPodSourceTests : IAsyncLifetime
{
    private const string Manifest = """
        apiVersion: v1
        kind: Pod
        metadata:
          name: static-web
          labels: {app: web}
        spec:
          containers:
          - name: web
            image: busybox
            command: [sleep, inf]
        """;

    private readonly KubeletTestContext ctx = new();
    private StatusManager statusManager = null!;
    private PodWorkers workers = null!;
    private StaticPodSource source = null!;

    public Task InitializeAsync()
    {
        ctx.Options.PodManifestPath = Path.Combine(ctx.Root, "manifests");
        Directory.CreateDirectory(ctx.Options.PodManifestPath);
        statusManager = new StatusManager(ctx.Api, NullLogger<StatusManager>.Instance);
        workers = new PodWorkers(ctx.Deps, statusManager);
        source = new StaticPodSource(ctx.Options, ctx.Api, workers, statusManager, () => "node-uid", ctx.Time, NullLogger<StaticPodSource>.Instance);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await workers.DisposeAsync();
        ctx.Dispose();
    }

    [Fact]
    public async Task A_manifest_runs_as_a_pod_named_for_the_node_with_a_mirror_pod_in_the_API()
    {
        await File.WriteAllTextAsync(Path.Combine(ctx.Options.PodManifestPath!, "web.yaml"), Manifest);

        await source.ScanAsync(CancellationToken.None);

        await NodeAgentTests.WaitUntilAsync(() => ctx.Runtime.Containers.Count == 1);
        var sandbox = ctx.Runtime.Sandboxes.Values.Single();
        Assert.Equal("static-web-node-a", sandbox.Config.Metadata.Name);
        var mirror = ctx.Api.Peek<V1Pod>("default", "static-web-node-a")!;
        Assert.Equal(sandbox.Config.Metadata.Uid, mirror.Metadata.Annotations[KubeletLabels.ConfigMirror]);
        Assert.Equal("file", mirror.Metadata.Annotations[KubeletLabels.ConfigSource]);
        var owner = mirror.Metadata.OwnerReferences.Single();
        Assert.Equal(("Node", "node-a", "node-uid"), (owner.Kind, owner.Name, owner.Uid));
        Assert.Equal("node-a", mirror.Spec.NodeName);
    }

    [Fact]
    public async Task A_deleted_mirror_pod_is_recreated_and_a_removed_manifest_stops_the_pod()
    {
        var file = Path.Combine(ctx.Options.PodManifestPath!, "web.yaml");
        await File.WriteAllTextAsync(file, Manifest);
        await source.ScanAsync(CancellationToken.None);
        await NodeAgentTests.WaitUntilAsync(() => ctx.Runtime.Containers.Count == 1);

        await ctx.Api.DeleteAsync<V1Pod>("default", "static-web-node-a", new V1DeleteOptions { GracePeriodSeconds = 0 }, CancellationToken.None);
        await source.ScanAsync(CancellationToken.None);
        Assert.NotNull(ctx.Api.Peek<V1Pod>("default", "static-web-node-a"));

        File.Delete(file);
        await source.ScanAsync(CancellationToken.None);
        await NodeAgentTests.WaitUntilAsync(() => ctx.Runtime.Sandboxes.Count == 0);
        Assert.Null(ctx.Api.Peek<V1Pod>("default", "static-web-node-a"));
    }
}
