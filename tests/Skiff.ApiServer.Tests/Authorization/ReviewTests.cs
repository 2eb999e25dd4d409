using System.Text.Json.Nodes;
using k8s;
using k8s.Models;

namespace Skiff.ApiServer.Tests.Authorization;

/// <summary>
/// The review kinds on a real server: <c>kubectl auth whoami</c> and <c>kubectl auth can-i</c> (with <c>--as</c> and
/// <c>--list</c>) with the real kubectl; SubjectAccessReview, LocalSubjectAccessReview and TokenReview through the
/// official client, with upstream's answers and refusals. Nothing a review sends is stored.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class ReviewTests(ServerFixture fx)
{
    private readonly Kubectl _kubectl = new(fx);

    [Fact]
    public async Task Kubectl_auth_whoami_names_the_caller_and_the_impersonated_user()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var me = await _kubectl.RunAsync("auth", "whoami");
        Assert.True(me.Code == 0, me.Err);
        Assert.Contains("Username", me.Out, StringComparison.Ordinal);
        Assert.Contains("system:masters", me.Out, StringComparison.Ordinal);
        Assert.Contains("system:authenticated", me.Out, StringComparison.Ordinal);

        var alice = await _kubectl.RunAsync("auth", "whoami", "--as", "alice", "--as-group", "devs", "-o", "json");
        Assert.True(alice.Code == 0, alice.Err);
        var review = KubernetesJson.Deserialize<V1SelfSubjectReview>(alice.Out);
        Assert.Equal("alice", review.Status.UserInfo.Username);
        Assert.Equal(["devs", "system:authenticated"], review.Status.UserInfo.Groups);
    }

    [Fact]
    public async Task Kubectl_auth_can_i_follows_rbac_for_the_impersonated_user_and_lists_its_rules()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var ns = await fx.NewNamespaceAsync();
        var bob = "bob-" + Guid.NewGuid().ToString("N")[..6];
        var admin = await _kubectl.RunAsync("auth", "can-i", "delete", "nodes");
        Assert.Equal((0, "yes"), (admin.Code, admin.Out.Trim()));

        var before = await _kubectl.RunAsync("auth", "can-i", "list", "pods", "-n", ns, "--as", bob);
        Assert.Equal((1, "no"), (before.Code, before.Out.Trim()));

        await GrantPodReaderAsync(ns, bob);
        var after = await _kubectl.RunAsync("auth", "can-i", "list", "pods", "-n", ns, "--as", bob);
        Assert.Equal((0, "yes"), (after.Code, after.Out.Trim()));
        var elsewhere = await _kubectl.RunAsync("auth", "can-i", "list", "pods", "-n", "default", "--as", bob);
        Assert.Equal("no", elsewhere.Out.Trim());
        var write = await _kubectl.RunAsync("auth", "can-i", "create", "pods", "-n", ns, "--as", bob);
        Assert.Equal("no", write.Out.Trim());

        var list = await _kubectl.RunAsync("auth", "can-i", "--list", "-n", ns, "--as", bob);
        Assert.True(list.Code == 0, list.Err);
        var podsLine = list.Out.Split('\n').Single(l => l.StartsWith("pods ", StringComparison.Ordinal));
        Assert.Contains("[get list watch]", podsLine, StringComparison.Ordinal);

        // system:basic-user lets every authenticated user ask about itself.
        Assert.Contains("selfsubjectaccessreviews.authorization.k8s.io", list.Out, StringComparison.Ordinal);
        Assert.DoesNotContain("secrets", list.Out, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_subject_access_review_answers_with_upstreams_rbac_reason()
    {
        var ns = await fx.NewNamespaceAsync();
        var bob = "bob-" + Guid.NewGuid().ToString("N")[..6];
        await GrantPodReaderAsync(ns, bob);

        var allowed = await fx.Client.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
        {
            Spec = new V1SubjectAccessReviewSpec
            {
                User = bob,
                ResourceAttributes = new V1ResourceAttributes { NamespaceProperty = ns, Verb = "get", Resource = "pods", Name = "web" },
            },
        });
        Assert.True(allowed.Status.Allowed);
        Assert.Equal($"RBAC: allowed by RoleBinding \"pod-reader/{ns}\" of Role \"pod-reader\" to User \"{bob}\"", allowed.Status.Reason);

        var denied = await fx.Client.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
        {
            Spec = new V1SubjectAccessReviewSpec
            {
                User = bob,
                ResourceAttributes = new V1ResourceAttributes { NamespaceProperty = ns, Verb = "get", Resource = "secrets" },
            },
        });
        Assert.False(denied.Status.Allowed);

        var masters = await fx.Client.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
        {
            Spec = new V1SubjectAccessReviewSpec { Groups = ["system:masters"], NonResourceAttributes = new V1NonResourceAttributes { Path = "/metrics", Verb = "get" } },
        });
        Assert.True(masters.Status.Allowed);

        var local = await fx.Client.CreateNamespacedLocalSubjectAccessReviewAsync(new V1LocalSubjectAccessReview
        {
            Metadata = new V1ObjectMeta { NamespaceProperty = ns },
            Spec = new V1SubjectAccessReviewSpec { User = bob, ResourceAttributes = new V1ResourceAttributes { NamespaceProperty = ns, Verb = "watch", Resource = "pods" } },
        }, ns);
        Assert.True(local.Status.Allowed);
    }

    [Fact]
    public async Task Bad_reviews_get_upstreams_status_and_reviews_are_create_only()
    {
        var (code, body, _) = await fx.SendAsync(HttpMethod.Post, "/apis/authorization.k8s.io/v1/subjectaccessreviews",
            """{"apiVersion":"authorization.k8s.io/v1","kind":"SubjectAccessReview","spec":{}}""");
        Assert.Equal(422, code);
        Assert.Equal("SubjectAccessReview.authorization.k8s.io \"\" is invalid: [spec.resourceAttributes: Invalid value: \"null\": exactly one of nonResourceAttributes or resourceAttributes must be specified, spec.user: Invalid value: \"\": at least one of user or group must be specified]",
            Message(body));

        var ns = await fx.NewNamespaceAsync();
        (code, body, _) = await fx.SendAsync(HttpMethod.Post, $"/apis/authorization.k8s.io/v1/namespaces/{ns}/localsubjectaccessreviews",
            """{"apiVersion":"authorization.k8s.io/v1","kind":"LocalSubjectAccessReview","spec":{"user":"bob","resourceAttributes":{"namespace":"other","verb":"get","resource":"pods"}}}""");
        Assert.Equal(400, code);
        Assert.Equal($"spec.resourceAttributes.namespace must match namespace: {ns}", Message(body));

        (code, _, _) = await fx.SendAsync(HttpMethod.Get, "/apis/authorization.k8s.io/v1/subjectaccessreviews", null);
        Assert.Equal(405, code);

        (code, body, _) = await fx.SendAsync(HttpMethod.Post, "/apis/authentication.k8s.io/v1/tokenreviews",
            """{"apiVersion":"authentication.k8s.io/v1","kind":"TokenReview","spec":{}}""");
        Assert.Equal(400, code);
        Assert.Equal("token is required for TokenReview in authentication", Message(body));
    }

    [Fact]
    public async Task A_token_review_authenticates_a_service_account_token_and_refuses_a_forged_one()
    {
        var ns = await fx.NewNamespaceAsync();
        await fx.Client.CreateNamespacedServiceAccountAsync(new V1ServiceAccount { Metadata = new V1ObjectMeta { Name = "robot" } }, ns);
        var issued = await fx.Client.CreateNamespacedServiceAccountTokenAsync(new Authenticationv1TokenRequest { Spec = new V1TokenRequestSpec() }, "robot", ns);

        var review = await fx.Client.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = issued.Status.Token } });
        Assert.True(review.Status.Authenticated);
        Assert.Equal($"system:serviceaccount:{ns}:robot", review.Status.User.Username);
        Assert.Contains($"system:serviceaccounts:{ns}", review.Status.User.Groups);

        var other = await fx.Client.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = issued.Status.Token, Audiences = ["vault"] } });
        Assert.False(other.Status.Authenticated);

        var forged = await fx.Client.CreateTokenReviewAsync(new V1TokenReview { Spec = new V1TokenReviewSpec { Token = issued.Status.Token[..^4] + "AAAA" } });
        Assert.False(forged.Status.Authenticated);
        Assert.NotNull(forged.Status.Error);
    }

    private static string? Message(string status) => (string?)JsonNode.Parse(status)!["message"];

    private async Task GrantPodReaderAsync(string ns, string user)
    {
        await fx.Client.CreateNamespacedRoleAsync(new V1Role
        {
            Metadata = new V1ObjectMeta { Name = "pod-reader" },
            Rules = [new V1PolicyRule { Verbs = ["get", "list", "watch"], ApiGroups = [""], Resources = ["pods"] }],
        }, ns);
        await fx.Client.CreateNamespacedRoleBindingAsync(new V1RoleBinding
        {
            Metadata = new V1ObjectMeta { Name = "pod-reader" },
            RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "Role", Name = "pod-reader" },
            Subjects = [new Rbacv1Subject { Kind = "User", ApiGroup = "rbac.authorization.k8s.io", Name = user }],
        }, ns);

        // The authorizer reads its watch cache, which sees the binding a moment after the write.
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (DateTime.UtcNow < deadline)
        {
            var review = await fx.Client.CreateSubjectAccessReviewAsync(new V1SubjectAccessReview
            {
                Spec = new V1SubjectAccessReviewSpec { User = user, ResourceAttributes = new V1ResourceAttributes { NamespaceProperty = ns, Verb = "list", Resource = "pods" } },
            });
            if (review.Status.Allowed)
            {
                return;
            }

            await Task.Delay(50);
        }
    }
}
