using Skiff.Kubelet.Server.Auth;

namespace Skiff.Kubelet.Tests.Server.Auth;

/// <summary>Upstream's mapping of kubelet requests to <c>nodes/&lt;subresource&gt;</c> (pkg/kubelet/server/auth.go).</summary>
public sealed class KubeletRequestAttributesTests
{
    private static readonly KubeletUser Bob = KubeletUser.Of("bob", ["team"]);

    [Theory]
    [InlineData("GET", "get")]
    [InlineData("POST", "create")]
    [InlineData("PUT", "update")]
    [InlineData("PATCH", "patch")]
    [InlineData("DELETE", "delete")]
    [InlineData("HEAD", "")]
    [InlineData("OPTIONS", "")]
    public void The_verb_comes_from_the_http_method(string method, string verb) =>
        Assert.Equal(verb, KubeletRequestAttributes.For(Bob, method, "/pods", "n1").Verb);

    [Theory]
    [InlineData("/stats", "stats")]
    [InlineData("/stats/summary", "stats")]
    [InlineData("/metrics", "metrics")]
    [InlineData("/metrics/cadvisor", "metrics")]
    [InlineData("/logs", "log")]
    [InlineData("/logs/syslog", "log")]
    [InlineData("/checkpoint/default/p/c", "checkpoint")]
    [InlineData("/statsfoo", "proxy")]
    [InlineData("/logsx/a", "proxy")]
    [InlineData("/containerLogs/default/p/c", "proxy")]
    [InlineData("/exec/default/p/c", "proxy")]
    [InlineData("/attach/default/p/c", "proxy")]
    [InlineData("/portForward/default/p", "proxy")]
    [InlineData("/healthz", "proxy")]
    [InlineData("/pods", "proxy")]
    [InlineData("/", "proxy")]
    public void The_subresource_comes_from_the_path(string path, string subresource)
    {
        var a = KubeletRequestAttributes.For(Bob, "GET", path, "n1");
        Assert.Equal(subresource, a.Subresource);
        Assert.Equal("nodes", KubeletRequestAttributes.Resource);
        Assert.Equal("n1", a.NodeName);
    }

    [Fact]
    public void Refusals_read_as_the_kubelets()
    {
        var a = KubeletRequestAttributes.For(Bob, "GET", "/stats/summary", "n1");
        Assert.Equal("Forbidden (user=bob, verb=get, resource=nodes, subresource=stats)", a.ForbiddenMessage);
        Assert.Equal("Authorization error (user=bob, verb=get, resource=nodes, subresource=stats)", a.ErrorMessage);
    }

    [Fact]
    public void Every_user_is_in_system_authenticated_once()
    {
        Assert.Equal(["team", "system:authenticated"], Bob.Groups);
        Assert.Equal(["system:authenticated"], KubeletUser.Of("x", ["system:authenticated"]).Groups);
    }
}
