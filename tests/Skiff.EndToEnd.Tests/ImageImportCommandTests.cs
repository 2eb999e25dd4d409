using Skiff.Testing.Containerd;

namespace Skiff.EndToEnd.Tests;

/// <summary>
/// Issue 16 with the real binary and kubectl: the test's own image (static C server packed by the test) imported with
/// `skiff images import --data-dir`, run by a pod with imagePullPolicy Never, listed and removed; a pod whose
/// image is not present with policy Never waits with ErrImageNeverPull.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ImageImportCommandTests(SkiffCluster cluster)
{
    [SkippableFact]
    public async Task Imported_archive_runs_with_pull_policy_never_then_is_removed()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var tag = Guid.NewGuid().ToString("N")[..8];
        var work = Directory.CreateTempSubdirectory("skiff-e2e-import-").FullName;
        var pod = "tiny-" + tag;
        try
        {
            var archive = await TinyHttpImage.BuildArchiveAsync(work, $"docker.io/skiff-test/tiny-http:{tag}");
            var import = await SkiffAsync(["images", "import", "--data-dir", cluster.DataDirectory, archive]);
            Assert.Equal($"docker.io/skiff-test/tiny-http:{tag}\n", import.Stdout);
            Assert.Contains("MB read (100%)", import.Stderr, StringComparison.Ordinal);

            var list = await SkiffAsync(["images", "list", "--data-dir", cluster.DataDirectory]);
            Assert.Contains($"docker.io/skiff-test/tiny-http:{tag}\tsha256:", list.Stdout, StringComparison.Ordinal);
            Assert.Contains("docker.io/library/nginx:latest\tsha256:", list.Stdout, StringComparison.Ordinal);

            var manifest = Path.Combine(work, "pod.yaml");
            await File.WriteAllTextAsync(manifest, $$"""
                apiVersion: v1
                kind: Pod
                metadata:
                  name: {{pod}}
                spec:
                  nodeName: {{SkiffCluster.NodeName}}
                  containers:
                  - name: tiny
                    image: skiff-test/tiny-http:{{tag}}
                    imagePullPolicy: Never
                """);
            await KubectlAsync(["apply", "-f", manifest]);
            await KubectlAsync(["wait", "--for=condition=Ready", $"pod/{pod}", "--timeout=120s"], TimeSpan.FromSeconds(130));
            Assert.Contains("listening on 8080", (await KubectlAsync(["logs", pod])).Stdout, StringComparison.Ordinal);
            var ip = (await KubectlAsync(["get", "pod", pod, "-o", "jsonpath={.status.podIP}"])).Stdout.Trim();
            var curl = await ProcessRunner.RunAsync("curl", ["-s", "--max-time", "5", $"http://{ip}:8080/"], null, TimeSpan.FromSeconds(10), CancellationToken.None);
            Assert.Equal(TinyHttpImage.Body + "\n", curl.Stdout);
            await KubectlAsync(["delete", "pod", pod, "--grace-period=1"], TimeSpan.FromSeconds(120));

            var remove = await SkiffAsync(["images", "remove", "--data-dir", cluster.DataDirectory, $"skiff-test/tiny-http:{tag}"]);
            Assert.Contains($"removed docker.io/skiff-test/tiny-http:{tag}", remove.Stdout, StringComparison.Ordinal);
            Assert.DoesNotContain(tag, (await SkiffAsync(["images", "list", "--data-dir", cluster.DataDirectory])).Stdout, StringComparison.Ordinal);

            // The image is gone: with policy Never the kubelet does not pull and says so as upstream's kubelet.
            await KubectlAsync(["apply", "-f", manifest]);
            await KubectlAsync(["wait", "--for=jsonpath={.status.containerStatuses[0].state.waiting.reason}=ErrImageNeverPull", $"pod/{pod}", "--timeout=60s"], TimeSpan.FromSeconds(70));
            var message = await KubectlAsync(["get", "pod", pod, "-o", "jsonpath={.status.containerStatuses[0].state.waiting.message}"]);
            Assert.Equal($"Container image \"skiff-test/tiny-http:{tag}\" is not present with pull policy of Never", message.Stdout);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "pod", pod, "--grace-period=1", "--ignore-not-found"], TimeSpan.FromSeconds(120));
            Directory.Delete(work, recursive: true);
        }
    }

    private static async Task<CommandResult> SkiffAsync(string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("dotnet", [RepositoryPaths.SkiffDll, .. arguments], null, TimeSpan.FromMinutes(2), CancellationToken.None);
        Assert.True(result.ExitCode == 0, $"skiff {string.Join(' ', arguments)}: {result}");
        return result;
    }

    private async Task<CommandResult> KubectlAsync(string[] arguments, TimeSpan? timeout = null)
    {
        var result = await cluster.KubectlAsync(arguments, timeout);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)}: {result}\n--- server log:\n{cluster.ReadLog()}");
        return result;
    }
}
