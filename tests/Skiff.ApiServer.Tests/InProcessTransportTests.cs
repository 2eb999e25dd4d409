using System.Net;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using Microsoft.AspNetCore.Connections;
using Skiff.ApiServer.Hosting;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Apimachinery;
using Skiff.Storage.Memory;

namespace Skiff.ApiServer.Tests;

/// <summary>
/// The API server's in-process connections (what <c>skiff server</c>'s own components use): whole HTTP requests over
/// in-memory pipes, the caller known by the client certificate it connects with, as a TLS client would be.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class InProcessTransportTests(ServerFixture fx)
{
    private static readonly Uri Base = new("http://in-process.apiserver");

    private static HttpClient Client(ApiServerHandle server, X509Certificate2? certificate) =>
        new(new SocketsHttpHandler { ConnectCallback = (_, ct) => server.InProcess.ConnectAsync(certificate, ct) }, disposeHandler: true) { BaseAddress = Base };

    private X509Certificate2 Certificate(string user, params string[] groups)
    {
        var (certificate, key) = fx.Server.Certificates.IssueClientCertificate(user, groups, TimeProvider.System);
        return X509Certificate2.CreateFromPem(certificate, key);
    }

    /// <summary>Lists every pod, expects upstream's 403 and returns its message.</summary>
    private static async Task<string?> ForbiddenToListPodsAsync(HttpClient http)
    {
        using var pods = await http.GetAsync("/api/v1/pods");
        Assert.Equal(HttpStatusCode.Forbidden, pods.StatusCode);
        return (string?)JsonNode.Parse(await pods.Content.ReadAsStringAsync())!["message"];
    }

    [Fact]
    public async Task A_connection_is_authenticated_as_the_holder_of_its_client_certificate()
    {
        using var certificate = Certificate("alice", "developers");
        using var http = Client(fx.Server, certificate);
        using var review = await http.PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews",
            new StringContent("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, review.StatusCode);
        var user = JsonNode.Parse(await review.Content.ReadAsStringAsync())!["status"]!["userInfo"]!;
        Assert.Equal("alice", (string?)user["username"]);
        Assert.Equal(["developers", "system:authenticated"], user["groups"]!.AsArray().Select(g => (string?)g).Order(StringComparer.Ordinal));

        // And authorized as that user: alice has no role.
        Assert.Equal("pods is forbidden: User \"alice\" cannot list resource \"pods\" in API group \"\" at the cluster scope",
            await ForbiddenToListPodsAsync(http));
    }

    [Fact]
    public async Task A_connection_without_a_certificate_is_anonymous()
    {
        using var http = Client(fx.Server, null);
        Assert.Equal("pods is forbidden: User \"system:anonymous\" cannot list resource \"pods\" in API group \"\" at the cluster scope",
            await ForbiddenToListPodsAsync(http));
    }

    [Fact]
    public async Task A_certificate_the_cluster_CA_did_not_sign_is_refused()
    {
        using var key = System.Security.Cryptography.ECDsa.Create();
        var request = new CertificateRequest("CN=mallory, O=system:masters", key, System.Security.Cryptography.HashAlgorithmName.SHA256);
        using var forged = request.CreateSelfSigned(DateTimeOffset.UtcNow.AddMinutes(-1), DateTimeOffset.UtcNow.AddHours(1));
        using var http = Client(fx.Server, forged);
        using var pods = await http.GetAsync("/api/v1/pods");
        Assert.Equal(HttpStatusCode.Unauthorized, pods.StatusCode);
    }

    [Fact]
    public async Task Writes_and_watches_work_over_in_process_connections_as_over_TLS()
    {
        var ns = await fx.NewNamespaceAsync();
        using var admin = Certificate("test-admin", "system:masters");
        using var http = Client(fx.Server, admin);
        using var watchCancel = new CancellationTokenSource(TimeSpan.FromSeconds(30));
        using var watch = await http.GetAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true", HttpCompletionOption.ResponseHeadersRead, watchCancel.Token);
        Assert.Equal(HttpStatusCode.OK, watch.StatusCode);
        using var events = new StreamReader(await watch.Content.ReadAsStreamAsync(watchCancel.Token));

        // A second request while the watch holds its connection: each request in flight has a connection of its own.
        using var created = await http.PostAsync($"/api/v1/namespaces/{ns}/configmaps",
            new StringContent("""{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"one"},"data":{"k":"v"}}""", Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);

        var line = await events.ReadLineAsync(watchCancel.Token);
        var added = JsonNode.Parse(line!)!;
        Assert.Equal("ADDED", (string?)added["type"]);
        Assert.Equal("one", (string?)added["object"]!["metadata"]!["name"]);
        Assert.Equal("v", (string?)added["object"]!["data"]!["k"]);

        // The write is the server's, seen by a TLS client too.
        var read = await fx.Client.CoreV1.ReadNamespacedConfigMapAsync("one", ns);
        Assert.Equal("v", read.Data["k"]);
    }

    [Fact]
    public async Task A_client_that_gives_up_a_watch_stops_waiting_at_once()
    {
        // The watch has nothing to send: the client's read waits on the connection, as an informer's does between
        // events. Cancelling it closes the connection, which must end that read as closing a socket does.
        var ns = await fx.NewNamespaceAsync();
        using var admin = Certificate("test-admin", "system:masters");
        using var http = Client(fx.Server, admin);
        using var watch = await http.GetAsync($"/api/v1/namespaces/{ns}/configmaps?watch=true", HttpCompletionOption.ResponseHeadersRead);
        var body = await watch.Content.ReadAsStreamAsync();
        using var giveUp = new CancellationTokenSource();
        var read = body.ReadAsync(new byte[4096], giveUp.Token).AsTask();
        await Task.Delay(200);
        Assert.False(read.IsCompleted);

        await giveUp.CancelAsync();
        var ended = await Task.WhenAny(read, Task.Delay(TimeSpan.FromSeconds(10)));
        Assert.Same(read, ended);
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => read);
    }

    [Fact]
    public async Task Closing_the_client_end_wakes_its_pending_read_and_ends_what_the_server_reads()
    {
        var transport = new InProcessTransport();
        await using var listener = await transport.BindAsync(transport.EndPoint);
        var client = transport.Connect(null);
        var server = (await listener.AcceptAsync())!;
        var read = client.ReadAsync(new byte[16]).AsTask();
        Assert.False(read.IsCompleted);

        await client.DisposeAsync();

        await Assert.ThrowsAsync<IOException>(() => read.WaitAsync(TimeSpan.FromSeconds(10)));
        Assert.True(server.ConnectionClosed.IsCancellationRequested); // Kestrel aborts the requests it still serves
        Assert.True((await server.Transport.Input.ReadAsync()).IsCompleted);
        await server.DisposeAsync();
    }

    [Fact]
    public async Task A_connection_the_server_aborts_fails_the_clients_writes_and_reads_as_a_reset_socket_would()
    {
        var transport = new InProcessTransport();
        await using var listener = await transport.BindAsync(transport.EndPoint);
        await using var client = transport.Connect(null);
        var server = (await listener.AcceptAsync())!;

        server.Abort(new ConnectionAbortedException("aborted by the test"));
        await server.DisposeAsync(); // as Kestrel does once the connection's processing ends

        await Assert.ThrowsAsync<IOException>(() => client.WriteAsync(new byte[] { 1 }).AsTask());
        Assert.Equal(0, await client.ReadAsync(new byte[16]));
    }

    [Fact]
    public async Task A_stopped_server_refuses_new_connections_and_ends_its_open_watches()
    {
        var dir = Path.Combine(Path.GetTempPath(), "skiff-inproc-" + Guid.NewGuid().ToString("N")[..8]);
        await using var store = new MemoryStore();
        var server = await ApiServer.StartAsync(
            new ApiServerOptions { DataDirectory = dir, Resources = ResourceCatalog.CreateBuiltIn().All, Port = 0 },
            store, NullLoggerFactory.Instance, CancellationToken.None);
        try
        {
            var (pem, keyPem) = server.Certificates.IssueClientCertificate("test-admin", ["system:masters"], TimeProvider.System);
            using var admin = X509Certificate2.CreateFromPem(pem, keyPem);
            using var http = Client(server, admin);
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            using var watch = await http.GetAsync("/api/v1/namespaces/default/configmaps?watch=true", HttpCompletionOption.ResponseHeadersRead, timeout.Token);
            Assert.Equal(HttpStatusCode.OK, watch.StatusCode);
            var body = await watch.Content.ReadAsStreamAsync(timeout.Token);

            await server.StopAsync(timeout.Token);

            // The open watch ends (as a socket's would when its server goes away) rather than hanging its client.
            var rest = new byte[4096];
            try
            {
                while (await body.ReadAsync(rest, timeout.Token) > 0)
                {
                }
            }
            catch (IOException)
            {
                // Ended by an abort: as good as an end of stream.
            }
            catch (HttpRequestException)
            {
            }

            Assert.False(timeout.IsCancellationRequested);
            Assert.Throws<IOException>(() => server.InProcess.Connect(admin));
        }
        finally
        {
            await server.DisposeAsync();
            Directory.Delete(dir, recursive: true);
        }
    }
}
