using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using System.Text;
using Skiff.Cri;
using Skiff.Cri.V1;
using Skiff.Streaming.Channels;
using Skiff.Streaming.Spdy;

namespace Skiff.Bench.Streaming;

/// <summary>
/// Throughput of one HTTP download of the pod's file: through <c>kubectl port-forward</c> (kubectl → WebSocket/SPDY →
/// API server → kubelet → containerd's port-forward), and directly on the runtime's PortForward URL with our SPDY client.
/// </summary>
internal static class PortForwardBenchmark
{
    private static readonly byte[] Request = Encoding.ASCII.GetBytes("GET /big HTTP/1.0\r\nHost: localhost\r\n\r\n");

    /// <summary>MB/s per download (MB = 10^6 bytes) through one kubectl port-forward process.</summary>
    public static async Task<IReadOnlyList<double>> KubectlAsync(BenchCluster cluster, string pod, int podPort, long size, int runs)
    {
        var localPort = FreePort();
        using var forward = Process.Start(Kubectl.StartInfo(cluster.KubeconfigPath, ["port-forward", "pod/" + pod, $"{localPort}:{podPort}"]))
            ?? throw new InvalidOperationException("could not start kubectl port-forward");
        try
        {
            var ready = await forward.StandardOutput.ReadLineAsync() ?? string.Empty;
            if (!ready.StartsWith("Forwarding from", StringComparison.Ordinal))
            {
                throw new InvalidOperationException($"kubectl port-forward did not start: {ready} {await forward.StandardError.ReadToEndAsync()}");
            }

            using var http = new HttpClient { Timeout = TimeSpan.FromMinutes(5) };
            var samples = new List<double>();
            for (var i = 0; i < runs; i++)
            {
                var watch = Stopwatch.StartNew();
                using var response = await http.GetAsync(new Uri($"http://127.0.0.1:{localPort}/big"), HttpCompletionOption.ResponseHeadersRead);
                response.EnsureSuccessStatusCode();
                await using var body = await response.Content.ReadAsStreamAsync();
                var received = await DrainAsync(body.ReadAsync);
                watch.Stop();
                Check(received == size, $"kubectl port-forward delivered {received} of {size} bytes");
                samples.Add(received / 1e6 / watch.Elapsed.TotalSeconds);
            }

            return samples;
        }
        finally
        {
            forward.Kill(entireProcessTree: true);
            await forward.WaitForExitAsync();
        }
    }

    /// <summary>MB/s per download over a fresh runtime PortForward URL (each URL is single-use).</summary>
    public static async Task<IReadOnlyList<double>> RuntimeDirectAsync(CriConnection cri, RuntimeTarget target, int podPort, long size, int runs)
    {
        var samples = new List<double>();
        var port = podPort.ToString(CultureInfo.InvariantCulture);
        for (var i = 0; i < runs; i++)
        {
            var watch = Stopwatch.StartNew();
            var response = await cri.Runtime.PortForwardAsync(new PortForwardRequest { PodSandboxId = target.SandboxId, Port = { podPort } });
            var (connection, _) = await SpdyUpgradeClient.ConnectAsync(new Uri(response.Url), StreamProtocols.PortForward, CancellationToken.None);
            using var stop = new CancellationTokenSource();
            var pump = connection.RunAsync(stop.Token);
            long received;
            await using (connection)
            {
                var error = await connection.OpenStreamAsync(Headers("error", port), CancellationToken.None);
                var data = await connection.OpenStreamAsync(Headers("data", port), CancellationToken.None);
                await error.Replied;
                await data.Replied;
                await error.CloseWriteAsync(CancellationToken.None);
                await data.WriteAsync(Request, CancellationToken.None);
                var body = new BodyCounter();
                while (await data.ReadAsync(CancellationToken.None) is { } chunk)
                {
                    body.Add(chunk.Span);
                }

                received = body.BodyBytes;
                await stop.CancelAsync();
            }

            watch.Stop();
            try
            {
                await pump;
            }
            catch (OperationCanceledException)
            {
            }

            Check(received == size, $"runtime port-forward delivered {received} of {size} body bytes");
            samples.Add(received / 1e6 / watch.Elapsed.TotalSeconds);
        }

        return samples;
    }

    private static IReadOnlyList<KeyValuePair<string, string>> Headers(string type, string port) =>
        [new(StreamProtocols.StreamTypeHeader, type), new(StreamProtocols.PortHeader, port), new(StreamProtocols.RequestIdHeader, "0")];

    private static async Task<long> DrainAsync(Func<Memory<byte>, CancellationToken, ValueTask<int>> read)
    {
        var buffer = new byte[256 * 1024];
        long total = 0;
        int n;
        while ((n = await read(buffer, CancellationToken.None)) > 0)
        {
            total += n;
        }

        return total;
    }

    private static int FreePort()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        return ((IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static void Check(bool condition, string message)
    {
        if (!condition)
        {
            throw new InvalidOperationException(message);
        }
    }

    /// <summary>Counts the bytes after the HTTP response head in a raw HTTP/1.0 response.</summary>
    private sealed class BodyCounter
    {
        private readonly List<byte> _head = [];
        private bool _inBody;

        public long BodyBytes { get; private set; }

        public void Add(ReadOnlySpan<byte> chunk)
        {
            if (_inBody)
            {
                BodyBytes += chunk.Length;
                return;
            }

            for (var i = 0; i < chunk.Length; i++)
            {
                _head.Add(chunk[i]);
                if (_head.Count >= 4 && _head[^1] == '\n' && _head[^2] == '\r' && _head[^3] == '\n' && _head[^4] == '\r')
                {
                    _inBody = true;
                    BodyBytes += chunk.Length - i - 1;
                    return;
                }
            }
        }
    }
}
