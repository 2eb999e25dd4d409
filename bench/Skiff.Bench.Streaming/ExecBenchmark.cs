using System.Diagnostics;
using System.Text;
using k8s;
using Skiff.Cri;
using Skiff.Cri.V1;
using Skiff.Streaming.Channels;
using Skiff.Streaming.Spdy;

namespace Skiff.Bench.Streaming;

/// <summary>
/// Round trips of an exec of <c>true</c>: the real kubectl (a process per exec: start, kubeconfig, pod GET, WebSocket
/// through the API server and kubelet to containerd), the official C# client in-process through the same path, and
/// the floor: CRI Exec on containerd's socket and our SPDY client on the URL it returns.
/// </summary>
internal static class ExecBenchmark
{
    public static async Task<IReadOnlyList<double>> KubectlAsync(BenchCluster cluster, string pod, int runs)
    {
        var samples = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            var result = await cluster.KubectlAsync("exec", pod, "--", "true");
            watch.Stop();
            Check(result.ExitCode == 0, $"kubectl exec failed: {result.Stderr}");
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        return samples;
    }

    public static async Task<IReadOnlyList<double>> CSharpClientAsync(BenchCluster cluster, string pod, string container, int runs)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(cluster.KubeconfigPath);
        using var client = new Kubernetes(config);
        var samples = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            var exitCode = await client.NamespacedPodExecAsync(pod, "default", container, ["true"], tty: false, (_, stdout, stderr) => Task.CompletedTask, CancellationToken.None);
            watch.Stop();
            Check(exitCode == 0, $"C# client exec returned {exitCode}");
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        return samples;
    }

    public static async Task<IReadOnlyList<double>> RuntimeDirectAsync(CriConnection cri, RuntimeTarget target, int runs)
    {
        var samples = new List<double>();
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            var response = await cri.Runtime.ExecAsync(new ExecRequest { ContainerId = target.ContainerId, Cmd = { "true" }, Stdout = true, Stderr = true });
            var (connection, _) = await SpdyUpgradeClient.ConnectAsync(new Uri(response.Url), StreamProtocols.ChannelV4, CancellationToken.None);
            var status = new StringBuilder();
            await using (var session = await SpdyRemoteCommandSession.StartAsync(connection, stdin: false, stdout: true, stderr: true, tty: false, CancellationToken.None))
            {
                await foreach (var output in session.ReadOutputAsync(CancellationToken.None))
                {
                    if (output.Channel == StreamChannel.Error)
                    {
                        status.Append(Encoding.UTF8.GetString(output.Data.Span));
                    }
                }
            }

            watch.Stop();
            Check(status.Length == 0 || status.ToString().Contains("\"Success\"", StringComparison.Ordinal), $"runtime exec failed: {status}");
            samples.Add(watch.Elapsed.TotalMilliseconds);
        }

        return samples;
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }
}
