using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Microsoft.IdentityModel.Tokens;

namespace Skiff.ApiServer.Tests.ServiceAccounts;

/// <summary>The real kubectl: <c>kubectl create token NAME --duration --audience</c>, then the token used by
/// kubectl is the service account, which RBAC refuses until a RoleBinding lets it in.</summary>
[Collection(ServerCollection.Name)]
public sealed class KubectlCreateTokenTests(ServerFixture fx)
{
    private readonly Kubectl _kubectl = new(fx);

    [Fact]
    public async Task Kubectl_create_token_gives_a_token_that_authenticates_as_the_service_account()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var ns = await fx.NewNamespaceAsync();
        Assert.Equal(0, (await _kubectl.RunAsync("create", "serviceaccount", "robot", "-n", ns)).Code);
        var created = await _kubectl.RunAsync("create", "token", "robot", "-n", ns, "--duration=20m",
            "--audience=https://kubernetes.default.svc.cluster.local", "--audience=vault");
        Assert.True(created.Code == 0, created.Err);
        var token = created.Out.Trim();
        var claims = JsonNode.Parse(Base64UrlEncoder.Decode(token.Split('.')[1]))!;
        Assert.Equal(1200, (long)claims["exp"]! - (long)claims["iat"]!);
        Assert.Equal("vault", (string?)claims["aud"]![1]);

        // A kubeconfig with the token alone (the fixture's has the admin's client certificate, which wins over a token).
        var asRobot = Path.Combine(fx.Directory, $"robot-{ns}.kubeconfig");
        var server = fx.Server.Address.ToString().TrimEnd('/');
        await File.WriteAllTextAsync(asRobot, $"""
            apiVersion: v1
            kind: Config
            clusters:
            - name: skiff
              cluster:
                server: "{server}"
                insecure-skip-tls-verify: true
            users:
            - name: robot
              user:
                token: "{token}"
            contexts:
            - name: robot
              context:
                cluster: skiff
                user: robot
            current-context: robot
            """);
        var refused = await _kubectl.RunAsync("--kubeconfig", asRobot, "get", "pods", "-n", ns);
        Assert.NotEqual(0, refused.Code);
        Assert.Contains($"Error from server (Forbidden): pods is forbidden: User \"system:serviceaccount:{ns}:robot\" cannot list resource \"pods\" in API group \"\" in the namespace \"{ns}\"",
            refused.Err, StringComparison.Ordinal);

        var bound = await _kubectl.RunAsync("create", "rolebinding", "robot-view", "-n", ns, "--clusterrole=view", $"--serviceaccount={ns}:robot");
        Assert.True(bound.Code == 0, bound.Err);
        var allowed = await _kubectl.RunAsync("--kubeconfig", asRobot, "get", "pods", "-n", ns);
        Assert.True(allowed.Code == 0, allowed.Err);
        Assert.Contains("No resources found", allowed.Err, StringComparison.Ordinal);

        var tooShort = await _kubectl.RunAsync("create", "token", "robot", "-n", ns, "--duration=5m");
        Assert.NotEqual(0, tooShort.Code);
        Assert.Contains("may not specify a duration less than 10 minutes", tooShort.Err, StringComparison.Ordinal);
    }
}
