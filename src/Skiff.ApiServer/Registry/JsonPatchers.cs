using System.Text.Json;
using System.Text.Json.Nodes;
using Skiff.Apimachinery;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Registry;

/// <summary>JSON merge patch (RFC 7386) and JSON patch (RFC 6902), the two patch types that need no schema.</summary>
public sealed class JsonPatchers : IPatchApplier
{
    public const string MergePatch = "application/merge-patch+json";
    public const string JsonPatch = "application/json-patch+json";

    public IReadOnlyList<string> MediaTypes { get; } = [MergePatch, JsonPatch];

    public byte[] Apply(string mediaType, ResourceDefinition def, byte[] currentJson, byte[] patch)
    {
        var target = JsonNode.Parse(currentJson);
        JsonNode? patchNode;
        try
        {
            patchNode = JsonNode.Parse(patch);
        }
        catch (JsonException ex)
        {
            throw StatusErrors.BadRequest("error decoding patch: " + ex.Message);
        }

        var result = mediaType == MergePatch ? Merge(target, patchNode) : ApplyOperations(target, patchNode as JsonArray
            ?? throw StatusErrors.BadRequest("the server rejected our request due to an error in our request: json patch must be an array"));
        return JsonSerializer.SerializeToUtf8Bytes(result);
    }

    public static JsonNode? Merge(JsonNode? target, JsonNode? patch)
    {
        if (patch is not JsonObject patchObject)
        {
            return patch?.DeepClone();
        }

        var result = target as JsonObject ?? new JsonObject();
        foreach (var (name, value) in patchObject)
        {
            if (value is null)
            {
                result.Remove(name);
            }
            else
            {
                var merged = Merge(result[name], value);
                result.Remove(name);
                result[name] = merged;
            }
        }

        return result;
    }

    private static JsonNode? ApplyOperations(JsonNode? doc, JsonArray operations)
    {
        foreach (var op in operations)
        {
            var kind = op?["op"]?.GetValue<string>() ?? throw StatusErrors.BadRequest("json patch: missing op");
            var path = op["path"]?.GetValue<string>() ?? throw StatusErrors.BadRequest("json patch: missing path");
            switch (kind)
            {
                case "add":
                    doc = Add(doc, path, op["value"]?.DeepClone());
                    break;
                case "remove":
                    doc = Remove(doc, path, out _);
                    break;
                case "replace":
                    doc = Remove(doc, path, out _);
                    doc = Add(doc, path, op["value"]?.DeepClone());
                    break;
                case "move":
                    var from = op["from"]?.GetValue<string>() ?? throw StatusErrors.BadRequest("json patch: missing from");
                    doc = Remove(doc, from, out var moved);
                    doc = Add(doc, path, moved);
                    break;
                case "copy":
                    var source = Resolve(doc, op["from"]?.GetValue<string>() ?? throw StatusErrors.BadRequest("json patch: missing from"));
                    doc = Add(doc, path, source?.DeepClone());
                    break;
                case "test":
                    if (!JsonNode.DeepEquals(Resolve(doc, path), op["value"]))
                    {
                        throw new ApiException(StatusErrors.Status(422, "Invalid", $"the server rejected our request due to an error in our request: testing value {path} failed"));
                    }

                    break;
                default:
                    throw StatusErrors.BadRequest($"json patch: unexpected op {kind}");
            }
        }

        return doc;
    }

    private static string[] Split(string path)
    {
        if (path.Length == 0)
        {
            return [];
        }

        if (path[0] != '/')
        {
            throw StatusErrors.BadRequest($"json patch: invalid path {path}");
        }

        return path[1..].Split('/').Select(p => p.Replace("~1", "/", StringComparison.Ordinal).Replace("~0", "~", StringComparison.Ordinal)).ToArray();
    }

    private static JsonNode? Resolve(JsonNode? doc, string path) => Walk(doc, Split(path), path);

    private static JsonNode? Walk(JsonNode? doc, IEnumerable<string> parts, string path)
    {
        var node = doc;
        foreach (var part in parts)
        {
            node = node switch
            {
                JsonObject o when o.TryGetPropertyValue(part, out var v) => v,
                JsonArray a when int.TryParse(part, out var i) && i >= 0 && i < a.Count => a[i],
                _ => throw new ApiException(StatusErrors.Status(422, "Invalid", $"the server rejected our request due to an error in our request: doc is missing path: \"{path}\"")),
            };
        }

        return node;
    }

    private static JsonNode? Add(JsonNode? doc, string path, JsonNode? value)
    {
        var parts = Split(path);
        if (parts.Length == 0)
        {
            return value;
        }

        var parent = Walk(doc, parts[..^1], path);
        var last = parts[^1];
        switch (parent)
        {
            case JsonObject o:
                o[last] = value;
                break;
            case JsonArray a when last == "-":
                a.Add(value);
                break;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i <= a.Count:
                a.Insert(i, value);
                break;
            default:
                throw new ApiException(StatusErrors.Status(422, "Invalid", $"the server rejected our request due to an error in our request: doc is missing path: \"{path}\""));
        }

        return doc;
    }

    private static JsonNode? Remove(JsonNode? doc, string path, out JsonNode? removed)
    {
        var parts = Split(path);
        var parent = Walk(doc, parts[..^1], path);
        var last = parts[^1];
        switch (parent)
        {
            case JsonObject o when o.TryGetPropertyValue(last, out removed):
                o.Remove(last);
                return doc;
            case JsonArray a when int.TryParse(last, out var i) && i >= 0 && i < a.Count:
                removed = a[i];
                a.RemoveAt(i);
                return doc;
            default:
                throw new ApiException(StatusErrors.Status(422, "Invalid", $"the server rejected our request due to an error in our request: doc is missing path: \"{path}\""));
        }
    }
}
