using System.Text.Json.Nodes;
using Skiff.Cli.Printing;

namespace Skiff.Cli.Tests;

public sealed class JsonPathTests
{
    private static readonly JsonNode List = JsonNode.Parse("""
        {"kind":"List","items":[
          {"metadata":{"name":"a","labels":{"app":"web"}},"status":{"conditions":[{"type":"Ready","status":"True"},{"type":"Init","status":"False"}],"restarts":2}},
          {"metadata":{"name":"b"},"status":{"conditions":[{"type":"Ready","status":"False"}],"restarts":7}}]}
        """)!;

    [Theory]
    [InlineData("{.kind}", "List")]
    [InlineData("{.items[*].metadata.name}", "a b")]
    [InlineData("{.items[0].metadata.labels}", "{\"app\":\"web\"}")]
    [InlineData("{.items[-1].metadata.name}", "b")]
    [InlineData("{.items[0:1].metadata.name}", "a")]
    [InlineData("{.items[*].metadata['name']}", "a b")]
    [InlineData("{range .items[*]}{.metadata.name}={.status.restarts}{\"\\n\"}{end}", "a=2\nb=7\n")]
    [InlineData("{.items[0].status.conditions[?(@.type==\"Ready\")].status}", "True")]
    [InlineData("{.items[?(@.status.restarts>5)].metadata.name}", "b")]
    [InlineData("{.items[?(@.metadata.labels)].metadata.name}", "a")]
    [InlineData("{..name}", "a b")]
    [InlineData("name: {.items[0].metadata.name}!", "name: a!")]
    [InlineData("{.missing}", "")]
    public void Evaluates_kubectl_templates(string template, string expected) =>
        Assert.Equal(expected, JsonPath.Parse(template).Execute(List));

    [Fact]
    public void Unclosed_range_is_an_error()
    {
        Assert.Throws<CliException>(() => JsonPath.Parse("{range .items[*]}{.a}"));
        Assert.Throws<CliException>(() => JsonPath.Parse("{.a"));
    }

    [Fact]
    public void Index_out_of_range_is_an_error() =>
        Assert.Throws<CliException>(() => JsonPath.Parse("{.items[5]}").Execute(List));
}
