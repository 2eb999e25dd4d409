using Skiff.ApiServer.Audit;
using Skiff.ApiServer.Authorization;

namespace Skiff.ApiServer.Tests.Audit;

/// <summary>Audit policy matching as upstream's checker: first matching rule wins, each list narrows, resources by
/// group with subresource and name forms, non-resource URL prefixes, omitStages merged; bad policies refused.</summary>
public sealed class AuditPolicyTests
{
    private const string Policy = """
        apiVersion: audit.k8s.io/v1
        kind: Policy
        omitStages: [RequestReceived]
        rules:
        - level: None
          users: ["system:kube-proxy"]
          verbs: ["watch"]
        - level: None
          nonResourceURLs: ["/healthz*", "/version"]
        - level: Metadata
          userGroups: ["system:unauthenticated"]
        - level: RequestResponse
          resources:
          - group: ""
            resources: ["configmaps"]
            resourceNames: ["audited"]
          omitStages: [ResponseStarted]
        - level: Request
          resources:
          - group: ""
            resources: ["pods/log", "*/status"]
          - group: "apps"
            resources: ["deployments/*"]
        - level: Metadata
          resources: [{group: "", resources: ["secrets"]}]
          namespaces: ["kube-system", ""]
        - level: Request
          resources: [{group: "batch"}]
        - level: Metadata
          verbs: ["delete"]
        """;

    private static readonly AuditPolicy Parsed = AuditPolicy.Parse(Policy);

    private static AuthorizationAttributes Resource(string verb, string group, string resource, string subresource = "", string ns = "default", string name = "",
        string user = "bob", params string[] groups) => new()
    {
        User = user,
        Groups = groups.Length > 0 ? groups : ["system:authenticated"],
        Verb = verb,
        IsResourceRequest = true,
        ApiGroup = group,
        Resource = resource,
        Subresource = subresource,
        Namespace = ns,
        Name = name,
    };

    private static AuditLevel Level(AuthorizationAttributes a) => Parsed.Evaluate(a).Level;

    [Fact]
    public void The_first_matching_rule_decides_and_unmatched_requests_are_not_logged()
    {
        Assert.Equal(AuditLevel.None, Level(Resource("watch", "", "endpoints", user: "system:kube-proxy")));
        Assert.Equal(AuditLevel.None, Level(Resource("list", "", "endpoints", user: "system:kube-proxy")));
        Assert.Equal(AuditLevel.Metadata, Level(Resource("list", "", "pods", user: "system:anonymous", groups: "system:unauthenticated")));
        Assert.Equal(AuditLevel.RequestResponse, Level(Resource("update", "", "configmaps", name: "audited")));
        Assert.Equal(AuditLevel.None, Level(Resource("update", "", "configmaps", name: "other")));
        Assert.Equal(AuditLevel.Metadata, Level(Resource("delete", "", "configmaps", name: "other")));
    }

    [Fact]
    public void Resources_match_by_group_subresource_wildcards_and_namespace()
    {
        Assert.Equal(AuditLevel.Request, Level(Resource("get", "", "pods", "log")));
        Assert.Equal(AuditLevel.None, Level(Resource("get", "", "pods")));
        Assert.Equal(AuditLevel.Request, Level(Resource("update", "", "nodes", "status", ns: "")));
        Assert.Equal(AuditLevel.Request, Level(Resource("update", "apps", "deployments", "scale")));
        Assert.Equal(AuditLevel.Request, Level(Resource("update", "apps", "deployments"))); // "deployments/*" covers the resource too, as upstream
        Assert.Equal(AuditLevel.None, Level(Resource("update", "apps", "replicasets", "scale")));
        Assert.Equal(AuditLevel.Metadata, Level(Resource("get", "", "secrets", ns: "kube-system")));
        Assert.Equal(AuditLevel.None, Level(Resource("get", "", "secrets", ns: "default")));
        Assert.Equal(AuditLevel.Request, Level(Resource("create", "batch", "cronjobs")));
    }

    [Fact]
    public void Non_resource_urls_match_exactly_or_by_prefix_and_omit_stages_merge()
    {
        AuthorizationAttributes Path(string path) => new() { User = "bob", Groups = ["system:authenticated"], Verb = "get", Path = path };
        Assert.Equal(AuditLevel.None, Parsed.Evaluate(Path("/healthz/etcd")).Level);
        Assert.Equal(AuditLevel.None, Parsed.Evaluate(Path("/version")).Level);
        Assert.Equal(AuditLevel.None, Parsed.Evaluate(Path("/metrics")).Level);

        var (level, omit) = Parsed.Evaluate(Resource("get", "", "configmaps", name: "audited"));
        Assert.Equal(AuditLevel.RequestResponse, level);
        Assert.Equal(["RequestReceived", "ResponseStarted"], omit.Order(StringComparer.Ordinal));
        Assert.Equal(["RequestReceived"], Parsed.Evaluate(Resource("get", "", "pods", "log")).OmitStages);
    }

    [Theory]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Everything\n", "rules[0].level: Unsupported value: \"Everything\"")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: Metadata\n  omitStages: [Later]\n", "rules[0].omitStages: Unsupported value: \"Later\"")]
    [InlineData("apiVersion: v1\nkind: ConfigMap\n", "must be kind Policy")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules: []\n", "at least one rule")]
    [InlineData("apiVersion: audit.k8s.io/v1\nkind: Policy\nrules:\n- level: None\n  nonResourceURLs: [/x]\n  resources: [{group: \"\"}]\n", "both regular resources and non-resource URLs")]
    public void A_bad_policy_is_refused_saying_why(string yaml, string expected)
    {
        var e = Assert.Throws<FormatException>(() => AuditPolicy.Parse(yaml));
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }
}
