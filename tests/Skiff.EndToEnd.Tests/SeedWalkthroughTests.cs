namespace Skiff.EndToEnd.Tests;

/// <summary>
/// The series' walkthrough, replayed by <c>shared/acceptance/seed-walkthrough.sh</c> against a real
/// <c>skiff server</c>: a node registers, a POSTed nginx pod runs in real containers, kubectl shows it 2/2 Running,
/// nginx answers at the pod IP, and deleting the pods stops the containers.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class SeedWalkthroughTests(SkiffCluster cluster)
{
    [SkippableFact]
    public async Task The_seed_walkthrough_passes_against_skiff_server()
    {
        RequireCluster(cluster);
        var script = RepositoryPaths.SeedWalkthrough;
        if (script is null)
        {
            Assert.False(Prerequisite.InCi, "shared/acceptance/seed-walkthrough.sh is not beside the clone");
            Skip.If(true, "shared/acceptance/seed-walkthrough.sh is not beside the clone");
        }

        var result = await ProcessRunner.RunAsync(
            "bash",
            [script!],
            new Dictionary<string, string>
            {
                ["KUBECONFIG"] = cluster.KubeconfigPath,
                ["KUBECACHEDIR"] = cluster.KubectlCacheDirectory,
                ["WAIT_SECONDS"] = "180",
            },
            TimeSpan.FromMinutes(10),
            CancellationToken.None);

        Assert.True(result.ExitCode == 0, $"{result}\n--- server log:\n{cluster.ReadLog()}");
        Assert.Contains("seed walkthrough: all steps hold", result.Stdout, StringComparison.Ordinal);
    }

    internal static void RequireCluster(SkiffCluster cluster)
    {
        if (cluster.Missing.Count > 0)
        {
            var reason = string.Join("; ", cluster.Missing);
            Assert.False(Prerequisite.InCi, "the end-to-end cluster cannot run: " + reason);
            Skip.If(true, reason);
        }
    }
}
