using System.Text;
using System.Text.Json.Nodes;
using Skiff.ApiServer.Watch;

namespace Skiff.ApiServer.Tests;

/// <summary>The stored-JSON-to-served-JSON step: the revision lands in the top-level metadata and nowhere else.</summary>
public sealed class ResourceVersionStampTests
{
    [Theory]
    [InlineData("""{"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","labels":{"x":"y"}},"spec":{}}""")]
    [InlineData("""{"metadata":{}}""")]
    [InlineData("""{"spec":{"metadata":{"name":"template"}},"metadata":{"name":"a"}}""")]
    [InlineData("""{ "metadata" : { "name" : "spaced" } }""")]
    public void Writes_the_revision_into_the_top_level_metadata(string stored)
    {
        Assert.True(ResourceVersionStamp.TryStamp(Encoding.UTF8.GetBytes(stored), 12345, out var served));

        var expected = JsonNode.Parse(stored)!;
        expected["metadata"]!["resourceVersion"] = "12345";
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(served)), Encoding.UTF8.GetString(served));
    }

    [Theory]
    [InlineData("""{"metadata":{"name":"a","resourceVersion":"7"}}""")] // already stamped: encode instead
    [InlineData("""{"kind":"Status"}""")] // no metadata
    [InlineData("""{"metadata":null}""")]
    [InlineData("""[1,2]""")]
    [InlineData("""{"metadata":{"name":""")] // truncated
    public void Declines_what_it_cannot_stamp_safely(string stored)
    {
        Assert.False(ResourceVersionStamp.TryStamp(Encoding.UTF8.GetBytes(stored), 1, out _));
    }
}

/// <summary>Moving served JSON to another revision (a deleted object's last state, a watcher's DELETED when an object
/// stops matching) rewrites the resourceVersion in place instead of decoding the object.</summary>
public sealed class ResourceVersionRestampTests
{
    [Theory]
    [InlineData("""{"apiVersion":"v1","kind":"Pod","metadata":{"resourceVersion":"7","name":"a"},"spec":{"metadata":{"resourceVersion":"x"}}}""")]
    [InlineData("""{"metadata":{"name":"a","labels":{"resourceVersion":"1"},"resourceVersion":"123456789"},"status":{}}""")]
    [InlineData("""{ "metadata" : { "resourceVersion" : "1" } }""")]
    public void Replaces_only_the_top_level_resourceVersion(string served)
    {
        Assert.True(ResourceVersionStamp.TryRestamp(Encoding.UTF8.GetBytes(served), 42, out var restamped));

        var expected = JsonNode.Parse(served)!;
        expected["metadata"]!["resourceVersion"] = "42";
        Assert.True(JsonNode.DeepEquals(expected, JsonNode.Parse(restamped)), Encoding.UTF8.GetString(restamped));
    }

    [Theory]
    [InlineData("""{"metadata":{"name":"a"}}""")] // nothing to replace
    [InlineData("""{"metadata":{"resourceVersion":7}}""")] // not a string
    [InlineData("""{"spec":{"metadata":{"resourceVersion":"1"}}}""")] // only a nested one
    [InlineData("""{"metadata":{"resourceVersion":"1""")] // truncated
    public void Declines_what_it_cannot_restamp(string served)
    {
        Assert.False(ResourceVersionStamp.TryRestamp(Encoding.UTF8.GetBytes(served), 1, out _));
    }
}
