using System.Text;
using Skiff.Apimachinery.Patching;

namespace Skiff.Apimachinery.Tests.Patching;

/// <summary>Apply bodies with repeated keys: the last value wins (non-strict decoding) and go-yaml's strict errors name them.</summary>
public sealed class ApplyBodyTests
{
    [Theory]
    [InlineData("{\"data\":{\"a\":\"1\",\"a\":\"2\"}}")]
    [InlineData("data:\n  a: \"1\"\n  a: \"2\"\n")]
    public void A_repeated_key_keeps_its_last_value(string body) =>
        Json.Equal("{'data':{'a':'2'}}", ApplyBody.Parse(Encoding.UTF8.GetBytes(body)));

    [Theory]
    [InlineData("{\"data\":{\"a\":\"1\",\"b\":\"2\"}}", "")]
    [InlineData("{\"data\":{\"a\":\"1\",\"a\":\"2\"}}", "line 1: key \"a\" already set in map")]
    [InlineData("{\"kind\":\"ConfigMap\",\n \"data\":{\"a\":\"1\",\n  \"a\":\"2\"}}", "line 3: key \"a\" already set in map")]
    [InlineData("kind: ConfigMap\ndata:\n  a: x\n  b: y\n  a: z\nkind: Secret\n", "line 5: key \"a\" already set in map|line 6: key \"kind\" already set in map")]
    [InlineData("data:\n  1: x\n  1: y\n", "line 3: key 1 already set in map")]
    [InlineData("a: [unclosed\n", "")]
    public void Duplicate_keys_are_named_with_their_lines(string body, string expected) =>
        Assert.Equal(expected.Length == 0 ? [] : expected.Split('|'), ApplyBody.DuplicateKeys(Encoding.UTF8.GetBytes(body)));

    [Fact]
    public void Anchors_and_aliases_still_resolve()
    {
        Json.Equal(
            "{'a':{'x':1},'b':{'x':1},'c':[true,null,'on']}",
            ApplyBody.Parse("a: &base\n  x: 1\nb: *base\nc: [yes, ~, 'on']\n"u8));
    }
}
