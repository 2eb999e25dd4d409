using System.Text;
using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Client.Tests.Api;

/// <summary>Watches of one process decode each object version of an enabled kind once. The kind here is one no other
/// test watches (the switch is process-wide).</summary>
public sealed class SharedDecodingTests
{
    private static readonly ApiResource Templates = ApiResource.For<V1PodTemplate>();

    static SharedDecodingTests() => SharedDecoding.Enable<V1PodTemplate>();

    [Fact]
    public void Watches_that_see_one_version_get_one_object()
    {
        var uid = Guid.NewGuid().ToString();
        var first = Decode(Line("ADDED", uid, "7", "a"));
        var second = Decode(Line("ADDED", uid, "7", "a"));
        var deleted = Decode(Line("DELETED", uid, "7", "a"));

        Assert.Same(first.Object, second.Object);
        Assert.Same(first.Object, deleted.Object);
        Assert.Equal(WatchEventKind.Deleted, deleted.Kind);
        Assert.Equal("a", first.Object!.Template.Metadata.Labels["v"]);
    }

    [Fact]
    public void Another_version_another_uid_or_other_decoding_options_decode_anew()
    {
        var uid = Guid.NewGuid().ToString();
        var seven = Decode(Line("MODIFIED", uid, "7", "a")).Object;

        var eight = Decode(Line("MODIFIED", uid, "8", "b")).Object;
        var otherUid = Decode(Line("MODIFIED", Guid.NewGuid().ToString(), "7", "c")).Object;
        var keepingManagedFields = WatchEventDecoder.Decode<V1PodTemplate>(Encoding.UTF8.GetBytes(Line("MODIFIED", uid, "7", "a")), Templates, dropManagedFields: false).Object;

        Assert.NotSame(seven, eight);
        Assert.Equal("b", eight!.Template.Metadata.Labels["v"]);
        Assert.NotSame(seven, otherUid);
        Assert.Equal("c", otherUid!.Template.Metadata.Labels["v"]);
        Assert.NotSame(seven, keepingManagedFields);
        Assert.NotNull(keepingManagedFields!.Metadata.ManagedFields);
        Assert.Null(seven!.Metadata.ManagedFields);
    }

    [Fact]
    public void Objects_without_an_identity_and_kinds_not_enabled_are_never_shared()
    {
        const string NoUid = """{"type":"ADDED","object":{"apiVersion":"v1","kind":"PodTemplate","metadata":{"name":"t","resourceVersion":"3"}}}""";
        Assert.NotSame(Decode(NoUid).Object, Decode(NoUid).Object);

        var configMap = Encoding.UTF8.GetBytes("""{"type":"ADDED","object":{"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"c","uid":"cm-1","resourceVersion":"3"}}}""");
        var maps = ApiResource.For<V1ConfigMap>();
        Assert.NotSame(WatchEventDecoder.Decode<V1ConfigMap>(configMap, maps, true).Object, WatchEventDecoder.Decode<V1ConfigMap>(configMap, maps, true).Object);
    }

    [Fact]
    public void Only_recent_versions_are_held()
    {
        var uid = Guid.NewGuid().ToString();
        var first = Decode(Line("ADDED", uid, "1", "a")).Object;
        for (var i = 0; i < 5000; i++)
        {
            Decode(Line("MODIFIED", Guid.NewGuid().ToString(), "2", "x"));
        }

        Assert.NotSame(first, Decode(Line("MODIFIED", uid, "1", "a")).Object);
    }

    private static WatchEvent<V1PodTemplate> Decode(string line) =>
        WatchEventDecoder.Decode<V1PodTemplate>(Encoding.UTF8.GetBytes(line), Templates, dropManagedFields: true);

    // As the API server writes it: type first, metadata first within the object, managedFields before the identity.
    private static string Line(string type, string uid, string resourceVersion, string label) =>
        "{\"type\":\"" + type + "\",\"object\":{\"apiVersion\":\"v1\",\"kind\":\"PodTemplate\",\"metadata\":{\"labels\":{\"x\":\"y\"}," +
        "\"managedFields\":[{\"manager\":\"m\",\"operation\":\"Update\",\"apiVersion\":\"v1\",\"fieldsType\":\"FieldsV1\",\"fieldsV1\":{\"f:template\":{}}}]," +
        "\"name\":\"t\",\"namespace\":\"default\",\"resourceVersion\":\"" + resourceVersion + "\",\"uid\":\"" + uid + "\"}," +
        "\"template\":{\"metadata\":{\"labels\":{\"v\":\"" + label + "\"}}}}}";
}
