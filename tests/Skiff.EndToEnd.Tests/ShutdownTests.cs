namespace Skiff.EndToEnd.Tests;

/// <summary>
/// <c>skiff server</c> with its kubelet exits promptly on SIGTERM. A watch left open by any client used to hold the
/// API server's host until its 30 s shutdown timeout (the kubelet's own pod watch did, every time); the bound here
/// cannot be met by waiting that timeout out.
/// </summary>
public sealed class ShutdownTests
{
    private static readonly TimeSpan Bound = TimeSpan.FromSeconds(10);

    [SkippableFact]
    public async Task Skiff_server_with_its_kubelet_exits_on_SIGTERM_without_waiting_out_a_shutdown_timeout()
    {
        // Its own cluster (this one is stopped), running beside the shared one: another node name (the shared node's
        // proxy table is not this one's to remove on exit), bridge, pod subnet (not the agent tests') and Service
        // range; no images to build. No cluster DNS: the shared cluster owns 10.43.0.10:53 on this machine.
        var cluster = new SkiffCluster("e2e-shutdown", "skiffe2esd0", "10.88.253.0/24", "--skip-images", "--disable-dns", "--service-cidr", "10.45.0.0/16");
        try
        {
            await cluster.InitializeAsync();
            SeedWalkthroughTests.RequireCluster(cluster);

            // The kubelet is up, with its informers' watches open.
            var pods = await cluster.KubectlAsync(["get", "pods", "-A"]);
            Assert.Equal(0, pods.ExitCode);

            var took = await cluster.TerminateAsync(Bound);

            Assert.True(took < Bound, $"skiff server took {took.TotalSeconds:F1} s to exit on SIGTERM\n--- server log:\n{cluster.ReadLog()}");
            Assert.Contains("Shutting down", cluster.ReadLog(), StringComparison.Ordinal);
        }
        finally
        {
            await cluster.DisposeAsync();
        }
    }
}
