using System.Net.Http.Headers;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Tests.Authorization;

/// <summary>RBAC on a real server: a user with no binding is refused with upstream's 403; a Role and RoleBinding
/// created by the admin let it in, in that namespace only; the bootstrap policy is in place.</summary>
[Collection(ServerCollection.Name)]
public sealed class RbacServerTests(ServerFixture fx)
{
    private HttpClient UserClient(string user, params string[] groups)
    {
        var token = Guid.NewGuid().ToString("N");
        fx.Server.Tokens.Add(token, new UserInfo(user, groups));
        var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }, disposeHandler: true)
        {
            BaseAddress = fx.Server.Address,
        };
        http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http;
    }

    [Fact]
    public async Task A_user_without_bindings_gets_upstreams_403_and_a_role_binding_lets_it_in_its_namespace_only()
    {
        var ns = await fx.NewNamespaceAsync();
        var other = await fx.NewNamespaceAsync();
        var user = "bob-" + Guid.NewGuid().ToString("N")[..8];
        using var bob = UserClient(user);

        var refused = await bob.GetAsync($"/api/v1/namespaces/{ns}/pods");
        Assert.Equal(403, (int)refused.StatusCode);
        var status = JsonNode.Parse(await refused.Content.ReadAsStringAsync())!;
        Assert.Equal("Forbidden", (string?)status["reason"]);
        Assert.Equal($"pods is forbidden: User \"{user}\" cannot list resource \"pods\" in API group \"\" in the namespace \"{ns}\"", (string?)status["message"]);

        await fx.Client.CreateNamespacedRoleAsync(new V1Role
        {
            Metadata = new V1ObjectMeta { Name = "pod-reader" },
            Rules = [new V1PolicyRule { Verbs = ["get", "list", "watch"], ApiGroups = [""], Resources = ["pods"] }],
        }, ns);
        await fx.Client.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "bob-reads-pods" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "pod-reader" },
            Subjects = [new Rbacv1Subject { Kind = "User", ApiGroup = "rbac.authorization.k8s.io", Name = user }],
        }, ns);

        // RBAC reads the authorizer's watch cache, which sees the new binding a moment after its write (as upstream's
        // informers do): wait for it rather than race it.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        var allowed = await bob.GetAsync($"/api/v1/namespaces/{ns}/pods");
        while ((int)allowed.StatusCode == 403 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(50);
            allowed = await bob.GetAsync($"/api/v1/namespaces/{ns}/pods");
        }

        Assert.Equal(200, (int)allowed.StatusCode);
        Assert.Equal(403, (int)(await bob.GetAsync($"/api/v1/namespaces/{other}/pods")).StatusCode);
        Assert.Equal(403, (int)(await bob.DeleteAsync($"/api/v1/namespaces/{ns}/pods/x")).StatusCode);
        var secret = await bob.GetAsync($"/api/v1/namespaces/{ns}/secrets/s");
        Assert.Equal($"secrets \"s\" is forbidden: User \"{user}\" cannot get resource \"secrets\" in API group \"\" in the namespace \"{ns}\"",
            (string?)JsonNode.Parse(await secret.Content.ReadAsStringAsync())!["message"]);
    }

    [Fact]
    public async Task Any_authenticated_user_may_discover_but_not_read_metrics()
    {
        using var carol = UserClient("carol");
        Assert.Equal(200, (int)(await carol.GetAsync("/api")).StatusCode);
        Assert.Equal(200, (int)(await carol.GetAsync("/apis/apps/v1")).StatusCode);
        var metrics = await carol.GetAsync("/metrics");
        Assert.Equal(403, (int)metrics.StatusCode);
        Assert.Equal("forbidden: User \"carol\" cannot get path \"/metrics\"", (string?)JsonNode.Parse(await metrics.Content.ReadAsStringAsync())!["message"]);
    }

    [Fact]
    public async Task The_bootstrap_policy_is_served_with_aggregated_roles()
    {
        var admin = await fx.Client.ReadClusterRoleAsync("admin");
        Assert.NotNull(admin.AggregationRule);
        Assert.Contains(admin.Rules, r => r.Resources?.Contains("rolebindings") == true);
        Assert.Contains(admin.Rules, r => r.Resources?.Contains("deployments") == true && r.Verbs.Contains("create"));
        var binding = await fx.Client.ReadClusterRoleBindingAsync("cluster-admin");
        Assert.Contains(binding.Subjects, s => s.Kind == "Group" && s.Name == "system:masters");
        await fx.Client.ReadClusterRoleAsync("system:controller:replicaset-controller");
    }

    [Fact]
    public async Task A_new_cluster_role_labelled_for_aggregation_joins_view()
    {
        var name = "widgets-view-" + Guid.NewGuid().ToString("N")[..8];
        await fx.Client.CreateClusterRoleAsync(new V1ClusterRole
        {
            Metadata = new V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["rbac.authorization.k8s.io/aggregate-to-view"] = "true" } },
            Rules = [new V1PolicyRule { Verbs = ["get"], ApiGroups = ["example.com"], Resources = [name] }],
        });
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            var view = await fx.Client.ReadClusterRoleAsync("view");
            var admin = await fx.Client.ReadClusterRoleAsync("admin");
            if (view.Rules.Any(r => r.Resources?.Contains(name) == true) && admin.Rules.Any(r => r.Resources?.Contains(name) == true))
            {
                break;
            }

            Assert.True(DateTime.UtcNow < deadline, "view and admin did not pick up the new role");
            await Task.Delay(200);
        }
    }

    [Fact]
    public async Task A_binding_with_a_bad_role_ref_is_invalid_and_role_ref_cannot_change()
    {
        var ns = await fx.NewNamespaceAsync();
        var bad = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => fx.Client.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "bad" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Secret", Name = "x" },
        }, ns));
        Assert.Equal(422, (int)bad.Response.StatusCode);

        var binding = await fx.Client.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "ok" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = "view" },
        }, ns);
        binding.RoleRef.Name = "edit";
        var changed = await Assert.ThrowsAsync<k8s.Autorest.HttpOperationException>(() => fx.Client.ReplaceNamespacedRoleBindingAsync(binding, "ok", ns));
        Assert.Equal(422, (int)changed.Response.StatusCode);
        Assert.Contains("cannot change roleRef", changed.Response.Content, StringComparison.Ordinal);
    }
}
