using Skiff.Bench.Cri;
using System.Net;
using System.Net.Http.Headers;
using System.Net.Security;
using System.Net.WebSockets;
using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Containerd;
using Skiff.Kubelet.Server;
using Skiff.Streaming.Channels;
using Skiff.Streaming.Spdy;
using Skiff.Streaming.WebSockets;
using Skiff.Testing.Containerd;

namespace Skiff.Kubelet.Tests.Server;

/// <summary>
/// The kubelet server on a free loopback port in front of a real containerd: exec (exit code, stdin with the v5 close
/// signal), logs and port-forward travel the same way the API server will use them.
/// </summary>
[Collection(RuntimeCollection.Name)]
public sealed class KubeletServerIntegrationTests(RuntimeFixture fixture) : IAsyncLifetime
{
    private const string Token = "test-kubelet-token";
    private const string ReaderToken = "token-of-someone-without-nodes-proxy";
    private readonly string _nodeLogs = Directory.CreateTempSubdirectory("skiff-node-logs-").FullName;
    private KubeletServer? _server;

    public async Task InitializeAsync()
    {
        if (fixture.SkipReason is not null)
        {
            return;
        }

        _server = await KubeletServer.StartAsync(
            new KubeletServerOptions
            {
                BindAddress = IPAddress.Loopback,
                Port = 0,
                ServingCertificate = KubeletServingCertificate.CreateSelfSigned("test-node", [IPAddress.Loopback], TimeProvider.System),
                Reviews = new TwoTokenReviews(),
                PodLogsDirectory = fixture.LogRoot,
                LogPollInterval = TimeSpan.FromMilliseconds(50),
                NodeName = "test-node",
                RootDirectory = fixture.LogRoot,
                NodeLogDirectory = _nodeLogs,
            },
            fixture.Containerd.Cri.Runtime,
            NullLogger.Instance,
            CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        Directory.Delete(_nodeLogs, recursive: true);
    }

    [SkippableFact]
    public async Task Stats_summary_reports_the_node_and_this_nodes_pods_with_container_cpu_and_memory()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var ours = await RawCriPod.RunAsync(
            fixture.Containerd.Cri, "stats", "busybox", ["sh", "-c", "i=0; while [ $i -lt 20000 ]; do i=$((i+1)); done; sleep 3600"], fixture.LogRoot,
            new Dictionary<string, string> { [KubeletLabels.Node] = "test-node" }, CancellationToken.None);
        var other = await RawCriPod.RunAsync(
            fixture.Containerd.Cri, "elsewhere", "busybox", ["sleep", "3600"], fixture.LogRoot,
            new Dictionary<string, string> { [KubeletLabels.Node] = "another-node" }, CancellationToken.None);
        try
        {
            using var http = Client();
            using var summary = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(Url("/stats/summary")));
            var node = summary.RootElement.GetProperty("node");
            Assert.Equal("test-node", node.GetProperty("nodeName").GetString());
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$", node.GetProperty("startTime").GetString());
            Assert.True(node.GetProperty("cpu").GetProperty("usageCoreNanoSeconds").GetUInt64() > 0);
            Assert.True(node.GetProperty("memory").GetProperty("workingSetBytes").GetUInt64() > 0);
            Assert.True(node.GetProperty("memory").GetProperty("availableBytes").GetUInt64() > 0);
            Assert.True(node.GetProperty("fs").GetProperty("capacityBytes").GetUInt64() > 0);

            var pods = summary.RootElement.GetProperty("pods").EnumerateArray().ToList();
            Assert.DoesNotContain(pods, p => p.GetProperty("podRef").GetProperty("name").GetString() == "elsewhere");
            var pod = Assert.Single(pods, p => p.GetProperty("podRef").GetProperty("name").GetString() == "stats");
            Assert.Equal("default", pod.GetProperty("podRef").GetProperty("namespace").GetString());
            Assert.Equal(ours.SandboxConfig.Metadata.Uid, pod.GetProperty("podRef").GetProperty("uid").GetString());
            var container = Assert.Single(pod.GetProperty("containers").EnumerateArray());
            Assert.Equal("main", container.GetProperty("name").GetString());
            Assert.True(container.GetProperty("cpu").GetProperty("usageCoreNanoSeconds").GetUInt64() > 0);
            var workingSet = container.GetProperty("memory").GetProperty("workingSetBytes").GetUInt64();
            Assert.True(workingSet > 0);
            Assert.Equal(workingSet, pod.GetProperty("memory").GetProperty("workingSetBytes").GetUInt64());

            // A second reading has the rate of node CPU use (from the difference to the first).
            await Task.Delay(200);
            using var again = System.Text.Json.JsonDocument.Parse(await http.GetStringAsync(Url("/stats/summary")));
            Assert.True(again.RootElement.GetProperty("node").GetProperty("cpu").TryGetProperty("usageNanoCores", out _));
        }
        finally
        {
            await ours.RemoveAsync(fixture.Containerd.Cri, CancellationToken.None);
            await other.RemoveAsync(fixture.Containerd.Cri, CancellationToken.None);
        }
    }

    [SkippableFact]
    public async Task Logs_lists_and_serves_the_node_log_directory_and_nothing_outside_it()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        await File.WriteAllTextAsync(Path.Combine(_nodeLogs, "syslog"), "line one\nline two\n");
        Directory.CreateDirectory(Path.Combine(_nodeLogs, "journal"));
        await File.WriteAllTextAsync(Path.Combine(_nodeLogs, "journal", "j.log"), "deep\n");
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true, AllowAutoRedirect = false });
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(Url("/logs/"))).StatusCode);
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);

        Assert.Equal("<pre>\n<a href=\"journal/\">journal/</a>\n<a href=\"syslog\">syslog</a>\n</pre>\n", await http.GetStringAsync(Url("/logs/")));
        Assert.Equal("line one\nline two\n", await http.GetStringAsync(Url("/logs/syslog")));
        Assert.Equal("deep\n", await http.GetStringAsync(Url("/logs/journal/j.log")));
        var redirect = await http.GetAsync(Url("/logs/journal"));
        Assert.Equal(HttpStatusCode.MovedPermanently, redirect.StatusCode);
        Assert.Equal("journal/", redirect.Headers.Location?.OriginalString);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(Url("/logs/nope"))).StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, (await http.GetAsync(Url("/logs/..%2Fetc%2Fpasswd"))).StatusCode);
    }

    [SkippableFact]
    public async Task Exec_streams_stdout_and_stderr_and_reports_the_exit_code()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pod = await RunAsync("exec7", "busybox", ["sleep", "3600"]);
        try
        {
            using var socket = await ConnectAsync($"/exec/default/exec7/main?command=sh&command=-c&command={Uri.EscapeDataString("echo out; echo err >&2; exit 7")}&stdout=true&stderr=true", StreamProtocols.ChannelV5);
            var frames = await ReceiveAllAsync(socket);
            Assert.True(Text(frames, StreamChannel.Stdout) == "out\n", string.Join(" | ", frames.Select(f => $"{f.Channel}:{Encoding.UTF8.GetString(f.Data)}")));
            Assert.Equal("err\n", Text(frames, StreamChannel.Stderr));
            var status = Text(frames, StreamChannel.Error);
            Assert.Contains("\"reason\":\"NonZeroExitCode\"", status, StringComparison.Ordinal);
            Assert.Contains("{\"reason\":\"ExitCode\",\"message\":\"7\"}", status, StringComparison.Ordinal);
        }
        finally
        {
            await pod.RemoveAsync(fixture.Containerd.Cri, CancellationToken.None);
        }
    }

    [SkippableFact]
    public async Task Exec_with_stdin_sees_eof_after_the_v5_close_signal()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pod = await RunAsync("stdin", "busybox", ["sleep", "3600"]);
        try
        {
            using var socket = await ConnectAsync("/exec/default/stdin/main?command=sh&command=-c&command=wc%20-c&stdin=true&stdout=true&stderr=true", StreamProtocols.ChannelV5);
            await socket.SendAsync(ChannelFrame.Encode(StreamChannel.Stdin, "hello world\n"u8), WebSocketMessageType.Binary, true, CancellationToken.None);
            await socket.SendAsync(new byte[] { StreamChannel.Close, StreamChannel.Stdin }, WebSocketMessageType.Binary, true, CancellationToken.None);
            var frames = await ReceiveAllAsync(socket);
            Assert.Equal("12", Text(frames, StreamChannel.Stdout).Trim());
            Assert.Equal("""{"metadata":{},"status":"Success"}""", Text(frames, StreamChannel.Error));
        }
        finally
        {
            await pod.RemoveAsync(fixture.Containerd.Cri, CancellationToken.None);
        }
    }

    [SkippableFact]
    public async Task Logs_serve_the_container_log_file_with_tail_and_timestamps()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pod = await RunAsync("logs", "busybox", ["sh", "-c", "echo one; echo two; echo three >&2; sleep 3600"]);
        try
        {
            using var http = Client();
            string all;
            var deadline = DateTime.UtcNow.AddSeconds(20);
            do
            {
                all = await http.GetStringAsync(Url("/containerLogs/default/logs/main"));
            }
            while (all.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length < 3 && DateTime.UtcNow < deadline && await Delay());

            Assert.Equal(["one", "three", "two"], all.Split('\n', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal));
            var tail = await http.GetStringAsync(Url("/containerLogs/default/logs/main?tailLines=1&timestamps=true"));
            Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z (one|two|three)\n$", tail);
            Assert.Equal(all[..2], await http.GetStringAsync(Url("/containerLogs/default/logs/main?limitBytes=2")));

            var missing = await http.GetAsync(Url("/containerLogs/default/logs/nope"));
            Assert.Equal(HttpStatusCode.NotFound, missing.StatusCode);
            Assert.Equal("container \"nope\" in pod \"logs\" not found", await missing.Content.ReadAsStringAsync());
            var previous = await http.GetAsync(Url("/containerLogs/default/logs/main?previous=true"));
            Assert.Equal(HttpStatusCode.BadRequest, previous.StatusCode);
        }
        finally
        {
            await pod.RemoveAsync(fixture.Containerd.Cri, CancellationToken.None);
        }
    }

    [SkippableFact]
    public async Task Port_forward_over_spdy_in_a_websocket_reaches_nginx_three_times()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        var pod = await RunAsync("pf", "nginx", null);
        try
        {
            using var socket = await ConnectAsync("/portForward/default/pf", StreamProtocols.SpdyPortForwardWebSocket);
            await using var spdy = new SpdyConnection(WebSocketStream.Create(socket, WebSocketMessageType.Binary, ownsWebSocket: false), isServer: false);
            using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            var pump = spdy.RunAsync(cts.Token);
            for (var request = 0; request < 3; request++)
            {
                var id = request.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var error = await spdy.OpenStreamAsync([new("streamType", "error"), new("port", "80"), new("requestID", id)], cts.Token);
                var data = await spdy.OpenStreamAsync([new("streamType", "data"), new("port", "80"), new("requestID", id)], cts.Token);
                await error.Replied.WaitAsync(cts.Token);
                await data.Replied.WaitAsync(cts.Token);
                await error.CloseWriteAsync(cts.Token);
                string body;
                var attempts = 0;
                do
                {
                    // nginx may need a moment after StartContainer before it accepts.
                    if (attempts++ > 0)
                    {
                        await Task.Delay(200, cts.Token);
                        id = $"{request}-{attempts}";
                        error = await spdy.OpenStreamAsync([new("streamType", "error"), new("port", "80"), new("requestID", id)], cts.Token);
                        data = await spdy.OpenStreamAsync([new("streamType", "data"), new("port", "80"), new("requestID", id)], cts.Token);
                        await error.CloseWriteAsync(cts.Token);
                    }

                    await data.WriteAsync("GET / HTTP/1.0\r\n\r\n"u8.ToArray(), cts.Token);
                    await data.CloseWriteAsync(cts.Token);
                    body = await ReadAllAsync(data, cts.Token);
                }
                while (!body.Contains("Welcome to nginx!", StringComparison.Ordinal) && attempts < 25);

                Assert.StartsWith("HTTP/1.1 200 OK", body, StringComparison.Ordinal);
                Assert.Contains("Welcome to nginx!", body, StringComparison.Ordinal);
            }

            await spdy.DisposeAsync();
            await cts.CancelAsync();
            try
            {
                await pump;
            }
            catch (OperationCanceledException)
            {
            }
        }
        finally
        {
            await pod.RemoveAsync(fixture.Containerd.Cri, CancellationToken.None);
        }
    }

    [SkippableFact]
    public async Task Requests_without_the_api_servers_credentials_are_refused()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        // As upstream's kubelet with anonymous auth off: /healthz too.
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(Url("/healthz"))).StatusCode);
        var anonymous = await http.GetAsync(Url("/containerLogs/default/x/y"));
        Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
        Assert.Equal("Unauthorized", await anonymous.Content.ReadAsStringAsync());
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", "wrong");
        Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync(Url("/containerLogs/default/x/y"))).StatusCode);
    }

    [SkippableFact]
    public async Task A_caller_the_api_server_does_not_authorize_gets_the_kubelets_403()
    {
        Skip.If(fixture.SkipReason is not null, fixture.SkipReason);
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", ReaderToken);
        var stats = await http.GetAsync(Url("/stats/summary"));
        Assert.Equal(HttpStatusCode.Forbidden, stats.StatusCode);
        Assert.Equal("Forbidden (user=reader, verb=get, resource=nodes, subresource=stats)", await stats.Content.ReadAsStringAsync());
        var exec = await http.PostAsync(Url("/exec/default/x/y?command=true"), null);
        Assert.Equal(HttpStatusCode.Forbidden, exec.StatusCode);
        Assert.Equal("Forbidden (user=reader, verb=create, resource=nodes, subresource=proxy)", await exec.Content.ReadAsStringAsync());
        // The reader may read logs (nodes/log) in this fake's policy.
        Assert.Equal(HttpStatusCode.OK, (await http.GetAsync(Url("/logs/"))).StatusCode);
        using var admin = Client();
        Assert.Equal(HttpStatusCode.OK, (await admin.GetAsync(Url("/healthz"))).StatusCode);
    }

    /// <summary>The API server's reviews, reduced to two callers: <see cref="Token"/> may do anything, the
    /// reader only <c>nodes/log</c>.</summary>
    private sealed class TwoTokenReviews : Skiff.Kubelet.Server.Auth.IKubeletReviews
    {
        public Task<Skiff.Kubelet.Server.Auth.KubeletUser?> ReviewTokenAsync(string token, CancellationToken cancellationToken) =>
            Task.FromResult(token switch
            {
                Token => Skiff.Kubelet.Server.Auth.KubeletUser.Of("admin", []),
                ReaderToken => Skiff.Kubelet.Server.Auth.KubeletUser.Of("reader", []),
                _ => null,
            });

        public Task<bool> ReviewAccessAsync(Skiff.Kubelet.Server.Auth.KubeletRequestAttributes attributes, CancellationToken cancellationToken) =>
            Task.FromResult(attributes.User.Name == "admin" || attributes.Subresource == "log");
    }

    private Task<RawCriPod> RunAsync(string name, string image, IReadOnlyList<string>? command) =>
        RawCriPod.RunAsync(fixture.Containerd.Cri, name, image, command, fixture.LogRoot, CancellationToken.None);

    private Uri Url(string pathAndQuery) => new($"https://127.0.0.1:{_server!.Port}{pathAndQuery}");

    private static HttpClient Client()
    {
        var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", Token);
        return http;
    }

    private Task<WebSocket> ConnectAsync(string pathAndQuery, string protocol) =>
        WebSocketHandshake.ConnectAsync(
            new Uri($"wss://127.0.0.1:{_server!.Port}{pathAndQuery}"),
            protocol,
            new SslClientAuthenticationOptions { RemoteCertificateValidationCallback = (_, _, _, _) => true },
            new Dictionary<string, string> { ["Authorization"] = "Bearer " + Token },
            TimeSpan.FromSeconds(30),
            CancellationToken.None);

    private static async Task<List<(byte Channel, byte[] Data)>> ReceiveAllAsync(WebSocket socket)
    {
        using var cts = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var frames = new List<(byte, byte[])>();
        while (await ChannelFrame.ReceiveMessageAsync(socket, cts.Token) is { } message)
        {
            if (ChannelFrame.TryDecode(message.Data, out var channel, out var payload))
            {
                frames.Add((channel, payload.ToArray()));
            }
        }

        return frames;
    }

    private static string Text(List<(byte Channel, byte[] Data)> frames, byte channel) =>
        string.Concat(frames.Where(f => f.Channel == channel).Select(f => Encoding.UTF8.GetString(f.Data)));

    private static async Task<string> ReadAllAsync(SpdyStream stream, CancellationToken cancellationToken)
    {
        var text = new StringBuilder();
        while (await stream.ReadAsync(cancellationToken) is { } chunk)
        {
            text.Append(Encoding.UTF8.GetString(chunk.Span));
        }

        return text.ToString();
    }

    private static async Task<bool> Delay()
    {
        await Task.Delay(100);
        return true;
    }
}
