namespace Skiff.ApiServer.Http;

/// <summary>What representation the client asked for in <c>Accept</c>, in its order of preference.</summary>
public enum ResponseShape
{
    Object,
    Table,
    PartialObjectMetadata,
    AggregatedDiscovery,

    /// <summary>The object in Kubernetes protobuf (falls back to JSON for kinds without a wire schema).</summary>
    Protobuf,
}

/// <summary>The negotiated response: its shape and, for Table and discovery, the version the client accepted.</summary>
public sealed record Negotiated(ResponseShape Shape, string Version)
{
    public static Negotiated Json { get; } = new(ResponseShape.Object, string.Empty);

    public string ContentType => Shape switch
    {
        ResponseShape.AggregatedDiscovery => $"application/json;g=apidiscovery.k8s.io;v={Version};as=APIGroupDiscoveryList",
        ResponseShape.Table => $"application/json;as=Table;v={Version};g=meta.k8s.io",
        ResponseShape.PartialObjectMetadata => $"application/json;as=PartialObjectMetadata;v={Version};g=meta.k8s.io",
        ResponseShape.Protobuf => ProtobufResponses.ContentType,
        _ => "application/json",
    };
}

/// <summary>Parses <c>Accept</c> headers like <c>application/json;as=Table;v=v1;g=meta.k8s.io, application/json</c>.</summary>
public static class MediaTypes
{
    /// <summary>The first acceptable representation, or null when nothing acceptable was offered.</summary>
    /// <param name="accept">The Accept header.</param>
    /// <param name="allowTable">Whether Table and PartialObjectMetadata may be served.</param>
    /// <param name="allowDiscovery">Whether aggregated discovery may be served.</param>
    /// <param name="allowProtobuf">Whether a plain <c>application/vnd.kubernetes.protobuf</c> may be chosen.</param>
    public static Negotiated? Negotiate(string? accept, bool allowTable, bool allowDiscovery, bool allowProtobuf = false)
    {
        if (string.IsNullOrWhiteSpace(accept))
        {
            return Negotiated.Json;
        }

        foreach (var entry in accept.Split(','))
        {
            var fields = entry.Split(';');
            var type = fields[0].Trim().ToLowerInvariant();
            var parameters = new Dictionary<string, string>(StringComparer.OrdinalIgnoreCase);
            foreach (var field in fields.Skip(1))
            {
                var eq = field.IndexOf('=', StringComparison.Ordinal);
                if (eq > 0)
                {
                    parameters[field[..eq].Trim()] = field[(eq + 1)..].Trim();
                }
            }

            if (type == ProtobufResponses.ContentType && allowProtobuf && !parameters.ContainsKey("as"))
            {
                return new Negotiated(ResponseShape.Protobuf, string.Empty);
            }

            if (type is not ("application/json" or "application/*" or "*/*" or "application/yaml"))
            {
                continue;
            }

            if (!parameters.TryGetValue("as", out var shape))
            {
                return Negotiated.Json;
            }

            parameters.TryGetValue("g", out var group);
            parameters.TryGetValue("v", out var version);
            switch (shape)
            {
                case "Table" when allowTable && group == "meta.k8s.io" && version is "v1" or "v1beta1":
                    return new Negotiated(ResponseShape.Table, version!);
                case "PartialObjectMetadata" or "PartialObjectMetadataList" when allowTable && group == "meta.k8s.io" && version is "v1" or "v1beta1":
                    return new Negotiated(ResponseShape.PartialObjectMetadata, version!);
                case "APIGroupDiscoveryList" when allowDiscovery && group == "apidiscovery.k8s.io" && version is "v2" or "v2beta1":
                    return new Negotiated(ResponseShape.AggregatedDiscovery, version!);
                default:
                    continue;
            }
        }

        return null;
    }
}
