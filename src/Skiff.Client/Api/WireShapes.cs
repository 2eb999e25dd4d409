using System.Text.Json.Serialization;
using k8s.Models;

namespace Skiff.Client.Api;

/// <summary>The shapes the client reads around objects: a list's envelope, an object read for its metadata only, a
/// watch bookmark. Internal, and visible to <c>skiff-dns</c>, whose source-generated JSON names them.</summary>
internal static class WireShapes
{
    /// <summary>The list envelope, read as a generic shape (any kind's list has items and metadata).</summary>
    internal sealed class List<T>
    {
        [JsonPropertyName("metadata")]
        public V1ListMeta? Metadata { get; set; }

        [JsonPropertyName("items")]
        public System.Collections.Generic.List<T>? Items { get; set; }
    }

    /// <summary>Any object read for its metadata only (the items of a list of any kind).</summary>
    internal sealed class MetadataOnly
    {
        [JsonPropertyName("metadata")]
        public V1ObjectMeta? Metadata { get; set; }
    }

    /// <summary>A bookmark's object: only its resourceVersion matters.</summary>
    internal sealed class Bookmark
    {
        [JsonPropertyName("metadata")]
        public BookmarkMetadata? Metadata { get; set; }
    }

    internal sealed class BookmarkMetadata
    {
        [JsonPropertyName("resourceVersion")]
        public string? ResourceVersion { get; set; }
    }
}
