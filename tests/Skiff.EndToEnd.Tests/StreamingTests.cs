using System.Globalization;

namespace Skiff.EndToEnd.Tests;

/// <summary>
/// Issue 7 with the real kubectl: logs (tail, follow), exec (exit code, stdin), kubectl cp and port-forward to nginx,
/// all through the API server's proxy to the kubelet server and on to containerd.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class StreamingTests(SkiffCluster cluster)
{
    // Skiff has no scheduler yet: pods name their node, as in the series' walkthrough.
    private const string BoundToTheNode = "--overrides={\"spec\":{\"nodeName\":\"" + SkiffCluster.NodeName + "\"}}";

    [SkippableFact]
    public async Task Logs_exec_stdin_and_cp_work_through_the_api_server()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var pod = "stream-" + Guid.NewGuid().ToString("N")[..6];
        await RunAsync(["run", pod, "--image=busybox", "--restart=Never", BoundToTheNode, "--", "sh", "-c", "for i in 1 2 3; do echo line $i; done; sleep 3600"]);
        try
        {
            await RunAsync(["wait", "--for=condition=Ready", $"pod/{pod}", "--timeout=180s"], TimeSpan.FromSeconds(200));

            var logs = await RunAsync(["logs", pod]);
            Assert.Equal("line 1\nline 2\nline 3\n", logs.Stdout);
            Assert.Equal("line 3\n", (await RunAsync(["logs", pod, "--tail=1"])).Stdout);
            var timestamps = await RunAsync(["logs", pod, "--tail=1", "--timestamps"]);
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\S+Z line 3\n$", timestamps.Stdout);

            // logs -f keeps the stream open; kubectl is stopped by the timeout of the shell around it.
            var follow = await ShellAsync($"timeout 5 kubectl logs -f {pod}; true");
            Assert.Contains("line 3", follow.Stdout, StringComparison.Ordinal);

            var exit7 = await cluster.KubectlAsync(["exec", pod, "--", "sh", "-c", "echo out; echo err >&2; exit 7"]);
            Assert.True(exit7.ExitCode != 0, exit7.ToString());
            Assert.Contains("out", exit7.Stdout, StringComparison.Ordinal);
            Assert.Contains("err", exit7.Stderr, StringComparison.Ordinal);
            Assert.Contains("command terminated with exit code 7", exit7.Stderr, StringComparison.Ordinal);

            var stdin = await ShellAsync($"printf 'hello from stdin\\n' | kubectl exec -i {pod} -- cat");
            Assert.Equal("hello from stdin\n", stdin.Stdout);

            var local = Path.Combine(cluster.DataDirectory, "cp-source.txt");
            await File.WriteAllTextAsync(local, "copied through exec and tar\n");
            await ShellAsync($"kubectl cp {local} {pod}:/tmp/copied.txt");
            Assert.Equal("copied through exec and tar\n", (await RunAsync(["exec", pod, "--", "cat", "/tmp/copied.txt"])).Stdout);

            var unknown = await cluster.KubectlAsync(["logs", pod, "-c", "nope"]);
            Assert.Contains("container nope is not valid for pod " + pod, unknown.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "pod", pod, "--grace-period=1"], TimeSpan.FromSeconds(120));
        }
    }

    /// <summary>kubectl 1.32 tunnels SPDY in a WebSocket; with the switch off it upgrades to SPDY directly (its fallback).</summary>
    [SkippableTheory]
    [InlineData("true")]
    [InlineData("false")]
    public async Task Port_forward_reaches_nginx_three_times(string websockets)
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var pod = "pf-" + Guid.NewGuid().ToString("N")[..6];
        await RunAsync(["run", pod, "--image=nginx", "--restart=Never", BoundToTheNode]);
        try
        {
            await RunAsync(["wait", "--for=condition=Ready", $"pod/{pod}", "--timeout=180s"], TimeSpan.FromSeconds(200));
            var port = LoopbackPort.Free();
            var script = string.Join('\n',
                $"KUBECTL_PORT_FORWARD_WEBSOCKETS={websockets} kubectl port-forward pod/{pod} {port}:80 > pf.out 2>&1 &",
                "pf=$!",
                "for i in $(seq 100); do grep -q 'Forwarding from' pf.out && break; sleep 0.1; done",
                $"for n in 1 2 3; do curl -s --max-time 10 http://127.0.0.1:{port}/ | grep -q 'Welcome to nginx!' && echo served; done",
                "kill $pf; wait $pf 2>/dev/null; cat pf.out >&2; true");
            var result = await ShellAsync(script);
            Assert.True(result.Stdout == "served\nserved\nserved\n", result.ToString());
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "pod", pod, "--grace-period=1"], TimeSpan.FromSeconds(120));
        }
    }

    private async Task<CommandResult> RunAsync(string[] arguments, TimeSpan? timeout = null)
    {
        var result = await cluster.KubectlAsync(arguments, timeout);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)}: {result}\n--- server log:\n{cluster.ReadLog()}");
        return result;
    }

    private async Task<CommandResult> ShellAsync(string script)
    {
        var work = Directory.CreateTempSubdirectory("skiff-e2e-stream-").FullName;
        try
        {
            return await ProcessRunner.RunAsync(
                "bash",
                ["-c", $"cd {work} && {script}"],
                new Dictionary<string, string> { ["KUBECONFIG"] = cluster.KubeconfigPath, ["KUBECACHEDIR"] = cluster.KubectlCacheDirectory },
                TimeSpan.FromMinutes(2),
                CancellationToken.None);
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }
}
