using System.Globalization;

namespace Skiff.EndToEnd.Tests;

/// <summary>
/// Issue 16: Skiff's nginx behaves like the official image for what users do with it: `kubectl exec -- sh`, the
/// official config layout, and exec probes written as `sh -c ...`.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class NginxImageTests(SkiffCluster cluster)
{
    [SkippableFact]
    public async Task Exec_sh_works_in_nginx_and_sees_the_official_layout()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var pod = "web-" + Guid.NewGuid().ToString("N")[..6];
        await RunAsync(["run", pod, "--image=nginx", "--restart=Never", "--overrides={\"spec\":{\"nodeName\":\"" + SkiffCluster.NodeName + "\"}}"]);
        try
        {
            await RunAsync(["wait", "--for=condition=Ready", $"pod/{pod}", "--timeout=180s"], TimeSpan.FromSeconds(200));
            var shell = await RunAsync(["exec", pod, "--", "sh", "-c", "echo $((6*7)); ls /etc/nginx/conf.d; wget -qO- http://127.0.0.1/ | grep -m1 -o 'Welcome to nginx!'; ps | grep -c 'nginx: worker process'"]);
            var lines = shell.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries);
            Assert.Equal("42", lines[0]);
            Assert.Equal("default.conf", lines[1]);
            Assert.Equal("Welcome to nginx!", lines[2]);
            Assert.True(int.Parse(lines[3], CultureInfo.InvariantCulture) >= 1, shell.Stdout);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "pod", pod, "--grace-period=1"], TimeSpan.FromSeconds(120));
        }
    }

    [SkippableFact]
    public async Task An_exec_liveness_probe_with_sh_keeps_nginx_alive_until_its_file_disappears()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var pod = "probed-" + Guid.NewGuid().ToString("N")[..6];
        var manifest = Path.Combine(cluster.DataDirectory, pod + ".yaml");
        await File.WriteAllTextAsync(manifest, $$"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: {{pod}}
            spec:
              nodeName: {{SkiffCluster.NodeName}}
              containers:
              - name: nginx
                image: nginx
                args: ["sh", "-c", "touch /tmp/healthy && exec nginx -g 'daemon off;'"]
                livenessProbe:
                  exec:
                    command: ["sh", "-c", "test -e /tmp/healthy"]
                  periodSeconds: 1
                  # One slow exec on a busy machine (the 1 s default timeout counts as a failure, as upstream's) or a
                  # first probe racing the shell's touch must not restart it; a missing file still does within ~2 s.
                  timeoutSeconds: 5
                  failureThreshold: 2
            """);
        await RunAsync(["apply", "-f", manifest]);
        try
        {
            await RunAsync(["wait", "--for=condition=Ready", $"pod/{pod}", "--timeout=180s"], TimeSpan.FromSeconds(200));

            // Several probe periods pass with the file present: the container is never restarted.
            await Task.Delay(TimeSpan.FromSeconds(5));
            Assert.Equal("0", (await RunAsync(["get", "pod", pod, "-o", "jsonpath={.status.containerStatuses[0].restartCount}"])).Stdout.Trim());

            await RunAsync(["exec", pod, "--", "rm", "/tmp/healthy"]);
            await RunAsync(["wait", "--for=jsonpath={.status.containerStatuses[0].restartCount}=1", $"pod/{pod}", "--timeout=60s"], TimeSpan.FromSeconds(70));
            var reason = await RunAsync(["get", "pod", pod, "-o", "jsonpath={.status.containerStatuses[0].lastState.terminated.exitCode}"]);
            Assert.NotEqual(string.Empty, reason.Stdout.Trim());
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
}
