using Skiff.Testing.Containerd;

namespace Skiff.EndToEnd.Tests;

/// <summary>
/// Issue 16 with the real binary and kubectl: an image in a private registry (docker-registry with basic auth on
/// 127.0.0.1, which containerd reaches over plain HTTP as it does for any localhost registry) runs from a pod whose
/// imagePullSecrets hold a `kubectl create secret docker-registry` secret; without the secret the pod waits in
/// ErrImagePull/ImagePullBackOff with upstream's events.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PrivateRegistryTests(SkiffCluster cluster)
{
    [SkippableFact]
    public async Task A_pull_secret_lets_a_pod_run_an_image_from_a_private_registry_and_its_absence_does_not()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var work = Directory.CreateTempSubdirectory("skiff-e2e-registry-").FullName;
        await using var registry = await LocalRegistry.StartAsync(CancellationToken.None, tls: false);
        var image = $"{registry.Host}/team/tiny:{tag}";
        // Two tags: once one pod pulled an image, any pod on the node may run it (IfNotPresent), as upstream.
        var other = $"{registry.Host}/team/tiny:{tag}-other";
        var (withSecret, without) = ("private-" + tag, "nosecret-" + tag);
        try
        {
            var archive = await TinyHttpImage.BuildArchiveAsync(work, $"docker.io/skiff-test/tiny-http:{tag}");
            await registry.PushAsync(archive, $"team/tiny:{tag}", CancellationToken.None);
            await registry.PushAsync(archive, $"team/tiny:{tag}-other", CancellationToken.None);
            await KubectlAsync(["create", "secret", "docker-registry", "regcred-" + tag, $"--docker-server={registry.Host}", $"--docker-username={LocalRegistry.User}", $"--docker-password={LocalRegistry.Password}"]);

            await KubectlAsync(["run", withSecret, $"--image={image}", "--restart=Never", $"--overrides={{\"spec\":{{\"imagePullSecrets\":[{{\"name\":\"regcred-{tag}\"}}]}}}}"]);
            await KubectlAsync(["run", without, $"--image={other}", "--restart=Never"]);

            await KubectlAsync(["wait", "--for=condition=Ready", $"pod/{withSecret}", "--timeout=120s"], TimeSpan.FromSeconds(130));
            Assert.Contains("listening on 8080", (await KubectlAsync(["logs", withSecret])).Stdout, StringComparison.Ordinal);
            var events = (await KubectlAsync(["get", "events", "--field-selector", $"involvedObject.name={withSecret}", "-o", "jsonpath={range .items[*]}{.reason}: {.message}{\"\\n\"}{end}"])).Stdout;
            Assert.Contains($"Pulling: Pulling image \"{image}\"", events, StringComparison.Ordinal);
            Assert.Contains($"Pulled: Successfully pulled image \"{image}\" in ", events, StringComparison.Ordinal);

            await KubectlAsync(["wait", "--for=jsonpath={.status.containerStatuses[0].state.waiting.reason}=ImagePullBackOff", $"pod/{without}", "--timeout=90s"], TimeSpan.FromSeconds(100));
            var failed = (await KubectlAsync(["get", "events", "--field-selector", $"involvedObject.name={without},reason=Failed", "-o", "jsonpath={.items[0].message}"])).Stdout;
            Assert.StartsWith($"Failed to pull image \"{other}\": ", failed, StringComparison.Ordinal);
            Assert.Contains("401 Unauthorized", failed, StringComparison.Ordinal);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "pod", withSecret, without, "--grace-period=1", "--ignore-not-found"], TimeSpan.FromSeconds(120));
            await cluster.KubectlAsync(["delete", "secret", "regcred-" + tag, "--ignore-not-found"]);
            Directory.Delete(work, recursive: true);
        }
    }

    [SkippableFact]
    public async Task A_node_pulls_a_docker_hub_name_through_its_registries_yaml_mirror_with_tls_and_credentials()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        const string node = "e2e-mirror";
        var tag = Guid.NewGuid().ToString("N")[..8];
        var work = Directory.CreateTempSubdirectory("skiff-e2e-mirror-").FullName;
        await using var registry = await LocalRegistry.StartAsync(CancellationToken.None);
        await registry.PushAsync(await TinyHttpImage.BuildArchiveAsync(work, $"docker.io/skiff-test/tiny-http:{tag}"), $"team/tiny:{tag}", CancellationToken.None);
        var yaml = $$"""
            mirrors:
              docker.io:
                endpoint: ["https://{{registry.Host}}"]
            configs:
              "{{registry.Host}}":
                auth: { username: {{LocalRegistry.User}}, password: {{LocalRegistry.Password}} }
                tls: { ca_file: {{registry.CaFile}} }
            """;
        var pod = "mirrored-" + tag;
        var agent = AgentProcess.Start(cluster, node, cluster.TokenPath, yaml);
        try
        {
            // The node appears once the agent has joined (its start builds images: minutes on a loaded machine).
            for (var deadline = DateTime.UtcNow.AddMinutes(5); (await cluster.KubectlAsync(["get", "node", node])).ExitCode != 0;)
            {
                Assert.False(agent.HasExited, "skiff agent exited:\n" + agent.ReadLog());
                Assert.True(DateTime.UtcNow < deadline, "the agent did not register its node:\n" + agent.ReadLog());
                await Task.Delay(TimeSpan.FromSeconds(1));
            }

            await KubectlAsync(["wait", "--for=condition=Ready", $"node/{node}", "--timeout=300s"], TimeSpan.FromSeconds(310));
            // Docker Hub has no team/tiny and is unreachable here: only the mirror can serve the image.
            await KubectlAsync(["run", pod, $"--image=team/tiny:{tag}", "--restart=Never", "--overrides={\"spec\":{\"nodeName\":\"" + node + "\"}}"]);
            var ready = await cluster.KubectlAsync(["wait", "--for=condition=Ready", $"pod/{pod}", "--timeout=120s"], TimeSpan.FromSeconds(130));
            Assert.True(ready.ExitCode == 0, $"{ready}\n--- agent log:\n{agent.ReadLog()}");
            var image = (await KubectlAsync(["get", "pod", pod, "-o", "jsonpath={.status.containerStatuses[0].image}"])).Stdout;
            Assert.Equal($"docker.io/team/tiny:{tag}", image);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "pod", pod, "--grace-period=1", "--ignore-not-found"], TimeSpan.FromSeconds(120));
            await agent.DisposeAsync();
            await cluster.KubectlAsync(["delete", "node", node, "--ignore-not-found"]);
            Directory.Delete(work, recursive: true);
        }
    }

    private async Task<CommandResult> KubectlAsync(string[] arguments, TimeSpan? timeout = null)
    {
        var result = await cluster.KubectlAsync(arguments, timeout);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)}: {result}\n--- server log:\n{cluster.ReadLog()}");
        return result;
    }
}
