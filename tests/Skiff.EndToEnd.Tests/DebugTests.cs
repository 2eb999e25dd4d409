namespace Skiff.EndToEnd.Tests;

/// <summary>
/// Issue 16, <c>kubectl debug</c> with the real kubectl: an ephemeral busybox container in a running nginx pod, in
/// nginx's process namespace (<c>--target</c>), interactive through a pseudo-terminal and non-interactive with its
/// output in the logs; the pod's ephemeralContainerStatuses; upstream's refusals of a changed ephemeral container and
/// of one with ports.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class DebugTests(SkiffCluster cluster)
{
    [SkippableFact]
    public async Task Kubectl_debug_target_sees_the_targets_processes_interactively_and_in_logs()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var pod = "dbg-" + Guid.NewGuid().ToString("N")[..6];
        await RunAsync(["run", pod, "--image=nginx"]);
        try
        {
            await RunAsync(["wait", "--for=condition=Ready", $"pod/{pod}", "--timeout=180s"], TimeSpan.FromSeconds(200));

            // Non-interactive: the container runs ps once; its output is in its log.
            var debug = await RunAsync(["debug", pod, "--image=busybox", $"--target={pod}", "-c", "ps", "--", "ps", "-o", "pid,comm"]);
            Assert.Contains("Targeting container", debug.Stdout + debug.Stderr, StringComparison.Ordinal);
            await RunAsync(["wait", "--for=jsonpath={.status.ephemeralContainerStatuses[0].state.terminated.exitCode}=0", $"pod/{pod}", "--timeout=120s"], TimeSpan.FromSeconds(130));
            var ps = (await RunAsync(["logs", pod, "-c", "ps"])).Stdout;
            Assert.Matches(@"\n\s*1 nginx\n", ps);
            Assert.Contains(" ps\n", ps, StringComparison.Ordinal);

            // Interactive, as a user types it.
            var session = await ProcessRunner.RunAsync(
                "python3",
                [
                    Path.Combine(AppContext.BaseDirectory, "pty-session.py"), "30x100",
                    "expect:# ", "send:ps -o comm | grep -c nginx; echo done'1'", "expect:done1",
                    "send:exit 4",
                    "--", "kubectl", "--kubeconfig", cluster.KubeconfigPath, "--cache-dir", cluster.KubectlCacheDirectory,
                    "debug", "-it", pod, "--image=busybox", $"--target={pod}", "-c", "shell", "--", "sh",
                ],
                null,
                TimeSpan.FromMinutes(3),
                CancellationToken.None);
            // kubectl debug ends with 0 whatever the shell's exit code (kubectl attach's behaviour); the status has it.
            Assert.True(session.ExitCode == 0, session.ToString());
            Assert.Matches(@"\n[1-9]\d*\r?\ndone1", session.Stdout);

            // The status follows the container's exit on the kubelet's next sync.
            await RunAsync(["wait", "--for=jsonpath={.status.ephemeralContainerStatuses[1].state.terminated.exitCode}=4", $"pod/{pod}", "--timeout=60s"], TimeSpan.FromSeconds(70));
            var statuses = (await RunAsync(["get", "pod", pod, "-o", "jsonpath={range .status.ephemeralContainerStatuses[*]}{.name}={.state.terminated.exitCode} {end}"])).Stdout;
            Assert.Equal("ps=0 shell=4 ", statuses);

            // Upstream's refusals: an existing ephemeral container may not change; ports are not for debugging.
            var changed = await cluster.KubectlAsync(["patch", "pod", pod, "--subresource=ephemeralcontainers", "--type=json", "-p", "[{\"op\":\"replace\",\"path\":\"/spec/ephemeralContainers/0/image\",\"value\":\"nginx\"}]"]);
            Assert.NotEqual(0, changed.ExitCode);
            Assert.Contains("spec.ephemeralContainers[0]: Forbidden: existing ephemeral containers \"ps\" may not be changed", changed.Stderr, StringComparison.Ordinal);
            var ports = await cluster.KubectlAsync(["patch", "pod", pod, "--subresource=ephemeralcontainers", "--type=strategic", "-p", "{\"spec\":{\"ephemeralContainers\":[{\"name\":\"web\",\"image\":\"busybox\",\"ports\":[{\"containerPort\":80}]}]}}"]);
            Assert.Contains("spec.ephemeralContainers[2].ports: Forbidden: cannot be set for an Ephemeral Container", ports.Stderr, StringComparison.Ordinal);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "pod", pod, "--grace-period=1", "--ignore-not-found"], TimeSpan.FromSeconds(120));
        }
    }

    [SkippableFact]
    public async Task Kubectl_debug_copies_a_pod_and_debugs_a_node_through_its_host_namespaces()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var suffix = Guid.NewGuid().ToString("N")[..6];
        var (pod, copy) = ("orig-" + suffix, "copy-" + suffix);
        string? nodePod = null;
        await RunAsync(["run", pod, "--image=busybox", "--", "sleep", "3600"]);
        try
        {
            // --copy-to: a new pod with the original's containers plus the debugger, sharing one process namespace.
            await RunAsync(["debug", pod, $"--copy-to={copy}", "--image=busybox", "--share-processes", "-c", "dbg", "--", "sleep", "3600"]);
            await RunAsync(["wait", "--for=condition=Ready", $"pod/{copy}", "--timeout=180s"], TimeSpan.FromSeconds(200));
            var containers = (await RunAsync(["get", "pod", copy, "-o", "jsonpath={.spec.containers[*].name} {.spec.shareProcessNamespace}"])).Stdout;
            Assert.Equal($"{pod} dbg true", containers);
            Assert.Contains("sleep 3600", (await RunAsync(["exec", copy, "-c", "dbg", "--", "ps", "-o", "args"])).Stdout, StringComparison.Ordinal);

            // node/NAME: a pod on that node in its host namespaces with the host's root at /host.
            var node = await RunAsync(["debug", $"node/{SkiffCluster.NodeName}", "--image=busybox", "--", "sh", "-c", "cat /host/etc/os-release; hostname"]);
            nodePod = System.Text.RegularExpressions.Regex.Match(node.Stdout, @"Creating debugging pod (\S+) with container debugger on node").Groups[1].Value;
            Assert.StartsWith($"node-debugger-{SkiffCluster.NodeName}-", nodePod, StringComparison.Ordinal);
            await RunAsync(["wait", "--for=jsonpath={.status.phase}=Succeeded", $"pod/{nodePod}", "--timeout=120s"], TimeSpan.FromSeconds(130));
            var output = (await RunAsync(["logs", nodePod])).Stdout;
            Assert.Contains(await File.ReadAllTextAsync("/etc/os-release"), output, StringComparison.Ordinal);
            Assert.EndsWith(Environment.MachineName + "\n", output, StringComparison.Ordinal);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "pod", pod, copy, .. nodePod is { Length: > 0 } ? new[] { nodePod } : [], "--grace-period=1", "--ignore-not-found"], TimeSpan.FromSeconds(120));
        }
    }

    private async Task<CommandResult> RunAsync(string[] arguments, TimeSpan? timeout = null)
    {
        var result = await cluster.KubectlAsync(arguments, timeout);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)}: {result}\n--- server log:\n{cluster.ReadLog()}");
        return result;
    }
}
