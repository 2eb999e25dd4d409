using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Tests.Authorization;

/// <summary>Impersonation with the real kubectl (<c>--as</c>, <c>--as-group</c>) and a user refused the
/// <c>impersonate</c> verb, with upstream's messages.</summary>
[Collection(ServerCollection.Name)]
public sealed class ImpersonationTests(ServerFixture fx)
{
    private readonly Kubectl _kubectl = new(fx);

    [Fact]
    public async Task Kubectl_as_acts_as_the_user_and_groups_named()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var ns = await fx.NewNamespaceAsync();
        var bob = "bob-" + Guid.NewGuid().ToString("N")[..6];
        var asBob = await _kubectl.RunAsync("--as", bob, "get", "pods", "-n", ns);
        Assert.NotEqual(0, asBob.Code);
        Assert.Contains($"Error from server (Forbidden): pods is forbidden: User \"{bob}\" cannot list resource \"pods\" in API group \"\" in the namespace \"{ns}\"", asBob.Err, StringComparison.Ordinal);

        var asAdmins = await _kubectl.RunAsync("--as", bob, "--as-group", "system:masters", "get", "pods", "-n", ns);
        Assert.True(asAdmins.Code == 0, asAdmins.Err);

        var asRobot = await _kubectl.RunAsync("--as", $"system:serviceaccount:{ns}:robot", "get", "secrets", "-n", ns);
        Assert.Contains($"User \"system:serviceaccount:{ns}:robot\" cannot list resource \"secrets\"", asRobot.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_user_without_the_impersonate_verb_is_refused()
    {
        var token = Guid.NewGuid().ToString("N");
        var eve = "eve-" + token[..6];
        fx.Server.Tokens.Add(token, new UserInfo(eve, []));
        using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }) { BaseAddress = fx.Server.Address };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        http.DefaultRequestHeaders.Add("Impersonate-User", "admin");
        http.DefaultRequestHeaders.Add("Impersonate-Group", "system:masters");
        using var response = await http.GetAsync("/api/v1/namespaces/default/secrets");
        Assert.Equal(403, (int)response.StatusCode);
        Assert.Equal($"users \"admin\" is forbidden: User \"{eve}\" cannot impersonate resource \"users\" in API group \"\" at the cluster scope",
            (string?)JsonNode.Parse(await response.Content.ReadAsStringAsync())!["message"]);
    }
}
