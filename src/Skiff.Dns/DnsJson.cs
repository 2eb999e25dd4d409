using System.Text.Json.Serialization;
using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Dns;

/// <summary>The JSON metadata of everything <c>skiff-dns</c> reads from the API, generated at build time: a NativeAOT
/// process has no reflection to build it at run time. The client's list and watch paths use it through
/// <c>ModelJson.UseSourceGenerated</c>; a type missing here fails its first read with
/// <c>NotSupportedException</c> (the end-to-end test NativeClusterDnsTests runs this binary, so it would show).</summary>
[JsonSerializable(typeof(V1Service))]
[JsonSerializable(typeof(V1EndpointSlice))]
[JsonSerializable(typeof(WireShapes.List<V1Service>), TypeInfoPropertyName = "ServiceWireList")]
[JsonSerializable(typeof(WireShapes.List<V1EndpointSlice>), TypeInfoPropertyName = "EndpointSliceWireList")]
[JsonSerializable(typeof(WireShapes.Bookmark))]
[JsonSerializable(typeof(V1Status))]
internal sealed partial class DnsJson : JsonSerializerContext;
