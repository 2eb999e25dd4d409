using Skiff.ApiServer.Http;
using Skiff.Api.Selection;

namespace Skiff.ApiServer.Tests;

public sealed class SelectorTests
{
    private static readonly Dictionary<string, string> Labels = new() { ["app"] = "web", ["tier"] = "front", ["n"] = "5" };

    [Theory]
    [InlineData("app=web", true)]
    [InlineData("app==web", true)]
    [InlineData("app!=web", false)]
    [InlineData("app in (db,web)", true)]
    [InlineData("app notin (db,web)", false)]
    [InlineData("tier", true)]
    [InlineData("!tier", false)]
    [InlineData("!missing", true)]
    [InlineData("missing!=x", true)]
    [InlineData("app=web,tier=back", false)]
    [InlineData("app in (web),tier notin (back)", true)]
    [InlineData("n>3", true)]
    [InlineData("n<3", false)]
    [InlineData("", true)]
    public void Label_selector_matches_like_kubernetes(string selector, bool expected) =>
        Assert.Equal(expected, LabelSelector.Parse(selector).Matches(Labels));

    [Theory]
    [InlineData("app in web")]
    [InlineData("a b c")]
    [InlineData("app=we b")]
    public void Bad_label_selectors_are_rejected(string selector) =>
        Assert.Throws<FormatException>(() => LabelSelector.Parse(selector));

    [Fact]
    public void Field_selector_supports_equal_double_equal_not_equal_and_empty_values()
    {
        var fields = new Dictionary<string, string> { ["metadata.name"] = "a", ["spec.nodeName"] = "", ["status.phase"] = "Running" };
        Assert.True(FieldSelector.Parse("metadata.name=a,spec.nodeName=").Matches(fields));
        Assert.True(FieldSelector.Parse("status.phase!=Failed,metadata.name==a").Matches(fields));
        Assert.False(FieldSelector.Parse("status.phase!=Running").Matches(fields));
        Assert.Equal("a", FieldSelector.Parse("metadata.name=a").ExactName);
        Assert.Throws<FormatException>(() => FieldSelector.Parse("nonsense"));
    }
}

public sealed class RequestParsingTests
{
    [Theory]
    [InlineData("/api/v1/pods", "", "v1", null, "pods", null, null)]
    [InlineData("/api/v1/namespaces/default/pods/web/status", "", "v1", "default", "pods", "web", "status")]
    [InlineData("/api/v1/namespaces/default", "", "v1", null, "namespaces", "default", null)]
    [InlineData("/api/v1/namespaces/kube-system/status", "", "v1", null, "namespaces", "kube-system", "status")]
    [InlineData("/apis/apps/v1/namespaces/x/deployments/web/scale", "apps", "v1", "x", "deployments", "web", "scale")]
    [InlineData("/apis/apps/v1", "apps", "v1", null, null, null, null)]
    public void Paths_parse_like_the_request_info_factory(string path, string group, string version, string? ns, string? resource, string? name, string? sub) =>
        Assert.Equal(new RequestInfo(group, version, ns, resource, name, sub), RequestInfo.Parse(path));

    [Fact]
    public void Accept_headers_negotiate_table_discovery_and_json()
    {
        const string kubectlTable = "application/json;as=Table;v=v1;g=meta.k8s.io,application/json;as=Table;v=v1beta1;g=meta.k8s.io,application/json";
        Assert.Equal(ResponseShape.Table, MediaTypes.Negotiate(kubectlTable, true, false)!.Shape);
        Assert.Equal(ResponseShape.Object, MediaTypes.Negotiate(kubectlTable, false, false)!.Shape);
        var discovery = MediaTypes.Negotiate("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList,application/json", false, true)!;
        Assert.Equal("application/json;g=apidiscovery.k8s.io;v=v2;as=APIGroupDiscoveryList", discovery.ContentType);
        Assert.Null(MediaTypes.Negotiate("application/com.github.proto-openapi.spec.v2@v1.0+protobuf", true, true));
        Assert.Equal(ResponseShape.Object, MediaTypes.Negotiate("application/vnd.kubernetes.protobuf,application/json", true, false)!.Shape);
    }
}
