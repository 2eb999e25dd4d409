using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// RFC 6902 JSON patch (<c>application/json-patch+json</c>). Operations run in order on a copy; any failure
/// (missing path, failed <c>test</c>, bad index, unknown op) is a 422 like the API server's, and a body that is
/// not a JSON array of operations is a 400.
/// </summary>
public static class JsonPatch
{
    public static JsonNode? Apply(JsonNode? document, ReadOnlySpan<byte> patchBody)
    {
        var operations = ParseOperations(patchBody);
        var result = document?.DeepClone();
        foreach (var operation in operations)
        {
            result = ApplyOne(result, operation);
        }

        return result;
    }

    private static List<JsonObject> ParseOperations(ReadOnlySpan<byte> patchBody)
    {
        JsonNode? parsed;
        try
        {
            parsed = TolerantJson.Parse(patchBody);
        }
        catch (JsonException e)
        {
            throw PatchException.BadRequest(e.Message);
        }

        if (parsed is not JsonArray array)
        {
            throw PatchException.BadRequest("json: cannot unmarshal object into Go value of type jsonpatch.Patch");
        }

        var operations = new List<JsonObject>(array.Count);
        foreach (var item in array)
        {
            if (item is not JsonObject operation)
            {
                throw PatchException.BadRequest("json: cannot unmarshal array element into Go value of type jsonpatch.Operation");
            }

            operations.Add(operation);
        }

        return operations;
    }

    private static JsonNode? ApplyOne(JsonNode? document, JsonObject operation)
    {
        var op = StringMember(operation, "op") ?? "unknown";
        return op switch
        {
            "add" => Add(document, RequiredPointer(operation, "path", op), RequiredValue(operation, op)),
            "remove" => Remove(document, RequiredPointer(operation, "path", op), out _),
            "replace" => Replace(document, RequiredPointer(operation, "path", op), RequiredValue(operation, op)),
            "move" => Move(document, RequiredPointer(operation, "from", op), RequiredPointer(operation, "path", op)),
            "copy" => Copy(document, RequiredPointer(operation, "from", op), RequiredPointer(operation, "path", op)),
            "test" => Test(document, RequiredPointer(operation, "path", op), RequiredValue(operation, op)),
            _ => throw PatchException.Unprocessable($"Unexpected kind: {op}"),
        };
    }

    private static string? StringMember(JsonObject operation, string name) =>
        operation.TryGetPropertyValue(name, out var node) && node is JsonValue value && value.TryGetValue<string>(out var text)
            ? text
            : null;

    private static JsonPointer RequiredPointer(JsonObject operation, string name, string op) =>
        StringMember(operation, name) is { } text
            ? JsonPointer.Parse(text)
            : throw PatchException.Unprocessable($"{op} operation missing {name} string");

    private static JsonNode? RequiredValue(JsonObject operation, string op) =>
        operation.TryGetPropertyValue("value", out var value)
            ? value?.DeepClone()
            : throw PatchException.Unprocessable($"{op} operation missing value");

    private static JsonNode? Add(JsonNode? document, JsonPointer path, JsonNode? value)
    {
        if (path.IsRoot)
        {
            return value;
        }

        var parent = Resolve(document, path.Parent()) ??
            throw PatchException.Unprocessable($"add operation does not apply: doc is missing path: \"{path.Text}\": missing value");
        switch (parent)
        {
            case JsonObject map:
                map[path.Last] = value;
                break;
            case JsonArray list:
                var index = path.Last == "-" ? list.Count : ParseIndex(path.Last, list.Count);
                list.Insert(index, value);
                break;
            default:
                throw PatchException.Unprocessable($"add operation does not apply: doc is missing path: \"{path.Text}\": missing value");
        }

        return document;
    }

    private static JsonNode? Remove(JsonNode? document, JsonPointer path, out JsonNode? removed)
    {
        if (path.IsRoot)
        {
            removed = document;
            return null;
        }

        var parent = Resolve(document, path.Parent());
        switch (parent)
        {
            case JsonObject map when map.ContainsKey(path.Last):
                removed = map[path.Last];
                map.Remove(path.Last);
                return document;
            case JsonArray list:
                var index = ParseIndex(path.Last, list.Count - 1);
                removed = list[index];
                list.RemoveAt(index);
                return document;
            default:
                throw PatchException.Unprocessable($"Unable to remove nonexistent key: {path.Last}: missing value");
        }
    }

    private static JsonNode? Replace(JsonNode? document, JsonPointer path, JsonNode? value)
    {
        if (path.IsRoot)
        {
            return value;
        }

        var parent = Resolve(document, path.Parent());
        switch (parent)
        {
            case JsonObject map when map.ContainsKey(path.Last):
                map[path.Last] = value;
                return document;
            case JsonArray list:
                list[ParseIndex(path.Last, list.Count - 1)] = value;
                return document;
            default:
                throw PatchException.Unprocessable($"replace operation does not apply: doc is missing key: {path.Text}: missing value");
        }
    }

    private static JsonNode? Move(JsonNode? document, JsonPointer from, JsonPointer path)
    {
        if (path.IsInside(from))
        {
            throw PatchException.Unprocessable($"move operation does not apply: from {from.Text} is a prefix of path {path.Text}");
        }

        EnsureExists(document, from, "move");
        document = Remove(document, from, out var value);
        return Add(document, path, Detach(value));
    }

    private static JsonNode? Copy(JsonNode? document, JsonPointer from, JsonPointer path)
    {
        EnsureExists(document, from, "copy");
        return Add(document, path, Resolve(document, from)?.DeepClone());
    }

    private static JsonNode? Test(JsonNode? document, JsonPointer path, JsonNode? expected)
    {
        var exists = TryResolve(document, path, out var actual);
        if (!exists || !JsonNode.DeepEquals(actual, expected))
        {
            throw PatchException.Unprocessable($"testing value {path.Text} failed: test failed");
        }

        return document;
    }

    private static void EnsureExists(JsonNode? document, JsonPointer pointer, string op)
    {
        if (!TryResolve(document, pointer, out _))
        {
            throw PatchException.Unprocessable($"{op} operation does not apply: doc is missing from path: {pointer.Text}: missing value");
        }
    }

    // A node just removed from its parent is free again; a clone keeps this independent of the runtime's rules.
    private static JsonNode? Detach(JsonNode? node) => node?.Parent is null ? node : node.DeepClone();

    private static JsonNode? Resolve(JsonNode? document, JsonPointer pointer) =>
        TryResolve(document, pointer, out var node) ? node : null;

    private static bool TryResolve(JsonNode? document, JsonPointer pointer, out JsonNode? node)
    {
        node = document;
        foreach (var token in pointer.Tokens)
        {
            switch (node)
            {
                case JsonObject map when map.TryGetPropertyValue(token, out var child):
                    node = child;
                    break;
                case JsonArray list when TryParseIndex(token, list.Count - 1, out var index):
                    node = list[index];
                    break;
                default:
                    node = null;
                    return false;
            }
        }

        return true;
    }

    private static int ParseIndex(string token, int max) =>
        TryParseIndex(token, max, out var index)
            ? index
            : throw PatchException.Unprocessable($"Unable to access invalid index: {token}: invalid index referenced");

    private static bool TryParseIndex(string token, int max, out int index)
    {
        index = -1;
        if (token.Length == 0 || (token.Length > 1 && token[0] == '0') || !token.All(char.IsAsciiDigit) ||
            !int.TryParse(token, NumberStyles.None, CultureInfo.InvariantCulture, out var parsed) || parsed > max)
        {
            return false;
        }

        index = parsed;
        return true;
    }
}
