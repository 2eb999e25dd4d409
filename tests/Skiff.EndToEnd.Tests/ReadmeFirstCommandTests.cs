using System.Globalization;
using System.Net;
using System.Net.Sockets;

namespace Skiff.EndToEnd.Tests;

/// <summary>
/// README's first command on a clean data dir: <c>./skiff.sh up</c> (with its own ports, bridge, pod subnet and
/// Service range so it does not clash with the shared cluster running beside it: its kube-proxy rules and cluster DNS
/// address would otherwise claim the shared cluster's 10.43.0.1 and 10.43.0.10) brings a node to Ready, <c>kubectl run web --image=nginx</c>
/// is scheduled onto it and answers on its pod IP, and <c>./skiff.sh down</c> stops it.
/// </summary>
public sealed class ReadmeFirstCommandTests
{
    private static readonly string Bridge = Environment.GetEnvironmentVariable("SKIFF_E2E_README_BRIDGE") ?? "skiffe2e2";
    private static readonly string PodCidr = Environment.GetEnvironmentVariable("SKIFF_E2E_README_POD_CIDR") ?? "10.88.252.0/24";

    [SkippableFact]
    public async Task Skiff_sh_up_brings_a_ready_node_that_runs_nginx_and_down_stops_it()
    {
        var missing = Prerequisite.MissingForCluster();
        if (missing.Count > 0)
        {
            Assert.False(Prerequisite.InCi, "README's first command cannot run: " + string.Join("; ", missing));
            Skip.If(true, string.Join("; ", missing));
        }

        var dataDir = Directory.CreateTempSubdirectory("skiff-readme-").FullName;
        var home = Directory.CreateTempSubdirectory("skiff-readme-home-").FullName; // up links ~/.kube/config when absent
        var environment = new Dictionary<string, string> { ["SKIFF_DATA_DIR"] = dataDir, ["HOME"] = home };
        var kubeconfig = Path.Combine(dataDir, "kubeconfig.yaml");
        const string node = "readme-node";
        var script = Path.Combine(RepositoryPaths.Root, "skiff.sh");
        try
        {
            var up = await ProcessRunner.RunAsync(
                "bash",
                [
                    script, "up",
                    "--port", FreePort(), "--node-name", node, "--kubelet-port", FreePort(), "--stream-port", FreePort(),
                    "--bridge-name", Bridge, "--pod-cidr", PodCidr, "--service-cidr", "10.44.0.0/16",
                ],
                environment, TimeSpan.FromMinutes(30), CancellationToken.None); // first use publishes Skiff and builds the images
            Assert.True(up.ExitCode == 0, up + "\n--- log:\n" + ReadLog(dataDir));
            Assert.Matches($"(?m)^{node} +Ready ", up.Stdout);

            Task<CommandResult> Kubectl(params string[] arguments) =>
                ProcessRunner.RunAsync("kubectl", ["--kubeconfig", kubeconfig, .. arguments], null, TimeSpan.FromMinutes(4), CancellationToken.None);

            // No node named: the scheduler places it.
            var run = await Kubectl("run", "web", "--image=nginx");
            Assert.True(run.ExitCode == 0, run.ToString());
            var ready = await Kubectl("wait", "--for=condition=Ready", "pod/web", "--timeout=180s");
            Assert.True(ready.ExitCode == 0, ready + "\n--- log:\n" + ReadLog(dataDir));
            Assert.Equal(node, (await Kubectl("get", "pod", "web", "-o", "jsonpath={.spec.nodeName}")).Stdout.Trim());
            var describe = await Kubectl("describe", "pod", "web");
            Assert.Matches($@"Normal\s+Scheduled\s+\S+\s+default-scheduler\s+Successfully assigned default/web to {node}", describe.Stdout);
            var ip = (await Kubectl("get", "pod", "web", "-o", "jsonpath={.status.podIP}")).Stdout.Trim();
            var page = await ProcessRunner.RunAsync("curl", ["-s", "--max-time", "10", $"http://{ip}/"], null, TimeSpan.FromSeconds(20), CancellationToken.None);
            Assert.Contains("<title>Welcome to nginx!</title>", page.Stdout, StringComparison.Ordinal);
            await Kubectl("delete", "pod", "web", "--grace-period=1", "--timeout=90s");

            var pid = int.Parse((await File.ReadAllTextAsync(Path.Combine(dataDir, "skiff.pid"))).Trim(), CultureInfo.InvariantCulture);
            var down = await ProcessRunner.RunAsync("bash", [script, "down"], environment, TimeSpan.FromMinutes(1), CancellationToken.None);
            Assert.True(down.ExitCode == 0, down.ToString());
            Assert.Contains($"skiff: stopped (pid {pid} has exited)", down.Stderr, StringComparison.Ordinal);
            Assert.False(File.Exists(Path.Combine(dataDir, "skiff.pid")));
            // "stopped" means the process is gone, not merely signalled.
            var alive = await ProcessRunner.RunAsync("kill", ["-0", pid.ToString(CultureInfo.InvariantCulture)], null, TimeSpan.FromSeconds(5), CancellationToken.None);
            Assert.NotEqual(0, alive.ExitCode);
        }
        finally
        {
            // Whatever happened above, leave nothing running.
            await ProcessRunner.RunAsync("bash", [script, "down"], environment, TimeSpan.FromMinutes(1), CancellationToken.None);
            await ProcessRunner.RunAsync("ip", ["link", "del", Bridge], null, TimeSpan.FromSeconds(10), CancellationToken.None);
            TryDelete(dataDir);
            TryDelete(home);
        }
    }

    private static string ReadLog(string dataDir)
    {
        var path = Path.Combine(dataDir, "skiff.log");
        if (!File.Exists(path))
        {
            return "(no log)";
        }

        var text = File.ReadAllText(path);
        return text.Length > 20_000 ? text[^20_000..] : text;
    }

    private static string FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port.ToString(CultureInfo.InvariantCulture);
    }

    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
