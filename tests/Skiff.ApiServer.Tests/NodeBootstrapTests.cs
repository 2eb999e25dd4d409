using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text.Json.Nodes;
using Skiff.ApiServer.Bootstrap;

namespace Skiff.ApiServer.Tests;

/// <summary>The join token file and the bootstrap endpoint a joining agent uses, on a real server.</summary>
[Collection(ServerCollection.Name)]
public sealed class NodeBootstrapTests(ServerFixture fx)
{
    private static HttpClient Anonymous() =>
        new(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }, disposeHandler: true);

    private JoinToken Token() => JoinToken.TryParse(File.ReadAllText(fx.Server.JoinTokenPath), out var token) ? token : throw new InvalidOperationException("no token");

    private async Task<HttpResponseMessage> RequestCredentialsAsync(HttpClient http, string? bearer, string body)
    {
        using var request = new HttpRequestMessage(HttpMethod.Post, fx.Url(NodeBootstrapEndpoint.CredentialsPath))
        {
            Content = new StringContent(body, System.Text.Encoding.UTF8, "application/json"),
        };
        if (bearer is not null)
        {
            request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", bearer);
        }

        return await http.SendAsync(request);
    }

    [Fact]
    public void The_token_file_names_the_CA_hash_and_is_private()
    {
        var text = File.ReadAllText(fx.Server.JoinTokenPath).Trim();
        Assert.Matches("^K10[0-9a-f]{64}::server:[0-9a-f]{64}$", text);
        var token = Token();
        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(fx.Server.Certificates.Ca.RawData)), token.CaHash);
        if (!OperatingSystem.IsWindows())
        {
            Assert.Equal(UnixFileMode.UserRead | UnixFileMode.UserWrite, File.GetUnixFileMode(fx.Server.JoinTokenPath));
        }
        Assert.DoesNotContain(token.Secret, token.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void The_token_is_stable_across_restarts_and_follows_a_new_CA()
    {
        var path = Path.Combine(fx.Directory, "token-" + Guid.NewGuid().ToString("N"));
        using var ca = X509Certificate2.CreateFromPem(fx.Server.Certificates.CaPem);
        var first = JoinToken.LoadOrCreate(path, ca);
        var again = JoinToken.LoadOrCreate(path, ca);
        Assert.Equal(first, again);

        using var key = ECDsa.Create();
        using var otherCa = new CertificateRequest("CN=other", key, HashAlgorithmName.SHA256).CreateSelfSigned(DateTimeOffset.UtcNow, DateTimeOffset.UtcNow.AddDays(1));
        var rehashed = JoinToken.LoadOrCreate(path, otherCa);
        Assert.Equal(first.Secret, rehashed.Secret);
        Assert.Equal(JoinToken.HashOf(otherCa), rehashed.CaHash);
    }

    [Theory]
    [InlineData("")]
    [InlineData("K10abc::server:secret")]
    [InlineData("just-a-secret")]
    public void Malformed_tokens_do_not_parse(string text) => Assert.False(JoinToken.TryParse(text, out _));

    [Fact]
    public async Task The_CA_is_served_without_credentials()
    {
        using var http = Anonymous();
        var pem = await http.GetStringAsync(fx.Url(NodeBootstrapEndpoint.CaPath));
        using var ca = X509Certificate2.CreateFromPem(pem);
        Assert.Equal(Token().CaHash, JoinToken.HashOf(ca));
    }

    [Theory]
    [InlineData(null)]
    [InlineData("K10" + "0000000000000000000000000000000000000000000000000000000000000000" + "::server:wrong")]
    [InlineData("wrong")]
    public async Task A_wrong_or_missing_token_gets_401_and_nothing(string? bearer)
    {
        using var http = Anonymous();
        using var response = await RequestCredentialsAsync(http, bearer, "{\"nodeName\":\"intruder\"}");
        Assert.Equal(HttpStatusCode.Unauthorized, response.StatusCode);
        var status = JsonNode.Parse(await response.Content.ReadAsStringAsync())!;
        Assert.Equal("Status", (string?)status["kind"]);
        Assert.Equal("Unauthorized", (string?)status["reason"]);
        Assert.DoesNotContain("BEGIN", status.ToJsonString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_node_name_is_a_400()
    {
        using var http = Anonymous();
        using var response = await RequestCredentialsAsync(http, Token().Format(), "{\"nodeName\":\"Not_A_Name\"}");
        Assert.Equal(HttpStatusCode.BadRequest, response.StatusCode);
        Assert.Equal("BadRequest", (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["reason"]);
    }

    [Fact]
    public async Task The_token_gets_a_node_client_certificate_that_the_API_accepts_and_a_serving_certificate()
    {
        using var http = Anonymous();
        using var response = await RequestCredentialsAsync(http, Token().Format(), "{\"nodeName\":\"worker-1\",\"addresses\":[\"10.1.2.3\"]}");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var credentials = (await response.Content.ReadFromJsonAsync(BootstrapJson.Default.NodeCredentials))!;
        Assert.Equal(fx.Server.Certificates.CaPem, credentials.CaCertificate);

        using var client = X509Certificate2.CreateFromPem(credentials.ClientCertificate, credentials.ClientKey);
        Assert.Equal("CN=system:node:worker-1, O=system:nodes", client.Subject);

        using var serving = X509Certificate2.CreateFromPem(credentials.ServingCertificate, credentials.ServingKey);
        var san = serving.Extensions.OfType<X509SubjectAlternativeNameExtension>().Single();
        Assert.Contains(IPAddress.Parse("10.1.2.3"), san.EnumerateIPAddresses());
        Assert.Contains("worker-1", san.EnumerateDnsNames());

        // The client certificate is a cluster credential: the API accepts it.
        using var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        handler.ClientCertificates.Add(client);
        using var asNode = new HttpClient(handler);
        using var nodes = await asNode.GetAsync(fx.Url("/api/v1/nodes"));
        Assert.Equal(HttpStatusCode.OK, nodes.StatusCode);
    }
}
