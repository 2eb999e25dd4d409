using System.Net;
using System.Text;
using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Client.Tests;

/// <summary>Watch lines decoded in one pass: the object straight from the envelope, managedFields skipped when asked
/// (informers) and kept otherwise, bookmarks and errors as before.</summary>
public sealed class WatchEventDecoderTests
{
    private const string PodJson = """
        {"apiVersion":"v1","kind":"Pod","metadata":{"name":"a","namespace":"default","resourceVersion":"17","labels":{"app":"web"},
        "managedFields":[{"manager":"kubectl","operation":"Update","apiVersion":"v1","fieldsType":"FieldsV1","fieldsV1":{"f:metadata":{"f:labels":{".":{},"f:app":{}}}}}],
        "uid":"u1"},"spec":{"nodeName":"n1","containers":[{"name":"c","image":"nginx"}]}}
        """;

    private static readonly ApiResource Pods = ApiResource.For<V1Pod>();

    [Theory]
    [InlineData("ADDED", WatchEventKind.Added)]
    [InlineData("MODIFIED", WatchEventKind.Modified)]
    [InlineData("DELETED", WatchEventKind.Deleted)]
    public void Decodes_a_change_and_skips_managedFields_when_asked(string type, WatchEventKind kind)
    {
        var line = Encoding.UTF8.GetBytes($$"""{"type":"{{type}}","object":{{PodJson}}}""");

        var dropped = WatchEventDecoder.Decode<V1Pod>(line, Pods, dropManagedFields: true);
        var kept = WatchEventDecoder.Decode<V1Pod>(line, Pods, dropManagedFields: false);

        Assert.Equal(kind, dropped.Kind);
        Assert.Equal("17", dropped.ResourceVersion);
        Assert.Equal("a", dropped.Object!.Metadata.Name);
        Assert.Equal("u1", dropped.Object.Metadata.Uid); // fields after managedFields are still read
        Assert.Equal("web", dropped.Object.Metadata.Labels["app"]);
        Assert.Equal("n1", dropped.Object.Spec.NodeName);
        Assert.Null(dropped.Object.Metadata.ManagedFields);
        Assert.Equal("kubectl", Assert.Single(kept.Object!.Metadata.ManagedFields).Manager);
    }

    [Fact]
    public void Reads_an_object_that_comes_before_its_type()
    {
        var line = Encoding.UTF8.GetBytes($$"""{"object":{{PodJson}},"type":"MODIFIED"}""");

        var e = WatchEventDecoder.Decode<V1Pod>(line, Pods, dropManagedFields: true);

        Assert.Equal(WatchEventKind.Modified, e.Kind);
        Assert.Equal("n1", e.Object!.Spec.NodeName);
        Assert.Null(e.Object.Metadata.ManagedFields);
    }

    [Fact]
    public void A_bookmark_carries_only_its_revision()
    {
        var line = Encoding.UTF8.GetBytes("""{"type":"BOOKMARK","object":{"kind":"Pod","apiVersion":"v1","metadata":{"resourceVersion":"99","annotations":{"k8s.io/initial-events-end":"true"}}}}""");

        var e = WatchEventDecoder.Decode<V1Pod>(line, Pods, dropManagedFields: true);

        Assert.Equal(WatchEventKind.Bookmark, e.Kind);
        Assert.Null(e.Object);
        Assert.Equal("99", e.ResourceVersion);
    }

    [Fact]
    public void An_error_event_throws_its_status()
    {
        var line = Encoding.UTF8.GetBytes("""{"type":"ERROR","object":{"kind":"Status","apiVersion":"v1","status":"Failure","message":"too old resource version: 1 (5)","reason":"Expired","code":410}}""");

        var e = Assert.Throws<ApiException>(() => WatchEventDecoder.Decode<V1Pod>(line, Pods, dropManagedFields: true));

        Assert.True(e.IsGone);
        Assert.Equal(HttpStatusCode.Gone, e.StatusCode);
        Assert.Contains("too old", e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("""{"type":"ADDED"}""")]
    [InlineData("""{"type":"ADDED","object":null}""")]
    [InlineData("""{"type":"SOMETHING","object":{}}""")]
    [InlineData("""[1]""")]
    public void A_malformed_event_is_an_error(string line)
    {
        Assert.Throws<ApiException>(() => WatchEventDecoder.Decode<V1Pod>(Encoding.UTF8.GetBytes(line), Pods, dropManagedFields: true));
    }
}
