using System.Globalization;
using System.Text.Json.Nodes;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// The fields of an applied configuration that its type does not declare. Server-side apply converts the applied
/// object to a typed value first (structured-merge-diff), and that conversion refuses undeclared fields whatever the
/// <c>fieldValidation</c> directive: the API server answers 500 with
/// <c>failed to create typed patch object (default/web; apps/v1, Kind=Deployment): .spec.replicass: field not declared in schema</c>.
/// Paths are structured-merge-diff's: <c>.spec.containers[name="web"].imagee</c> in associative lists, <c>[0]</c> in others.
/// </summary>
public static class UndeclaredFields
{
    /// <summary>The structured-merge-diff errors for <paramref name="applied"/> (empty when every field is declared).</summary>
    public static IReadOnlyList<string> Find(JsonObject applied, Type modelType)
    {
        ArgumentNullException.ThrowIfNull(applied);
        var errors = new List<string>();
        Walk(applied, modelType, string.Empty, errors);
        return errors;
    }

    /// <summary>The API server's whole message for <paramref name="errors"/> (see the type's summary); the namespace,
    /// name, apiVersion and kind are the applied object's own.</summary>
    public static string Message(JsonObject applied, IReadOnlyList<string> errors)
    {
        ArgumentNullException.ThrowIfNull(applied);
        ArgumentNullException.ThrowIfNull(errors);
        var apiVersion = Text(applied["apiVersion"]);
        var slash = apiVersion.IndexOf('/', StringComparison.Ordinal);
        var (group, version) = slash < 0 ? (string.Empty, apiVersion) : (apiVersion[..slash], apiVersion[(slash + 1)..]);
        var subject = $"{Text(applied["metadata"]?["namespace"])}/{Text(applied["metadata"]?["name"])}; {group}/{version}, Kind={Text(applied["kind"])}";

        // structured-merge-diff's ValidationErrors: one error on its own, several as an indented list.
        var detail = errors.Count == 1 ? errors[0] : "errors:\n  " + string.Join("\n  ", errors);
        return $"failed to create typed patch object ({subject}): {detail}";
    }

    private static string Text(JsonNode? node) => node is JsonValue value && value.TryGetValue<string>(out var text) ? text : string.Empty;

    private static void Walk(JsonObject obj, Type structType, string path, List<string> errors)
    {
        foreach (var (key, value) in obj)
        {
            var fieldPath = path + "." + key;
            var (shape, element) = ModelSchema.Field(structType, key);
            if (shape == FieldShape.Unknown)
            {
                errors.Add($"{fieldPath}: field not declared in schema");
                continue;
            }

            if (element is null)
            {
                continue;
            }

            switch (shape, value)
            {
                case (FieldShape.Struct, JsonObject child):
                    Walk(child, element, fieldPath, errors);
                    break;
                case (FieldShape.Map, JsonObject map):
                    foreach (var (entryKey, entry) in map)
                    {
                        if (entry is JsonObject entryObject)
                        {
                            Walk(entryObject, element, fieldPath + "." + entryKey, errors);
                        }
                    }

                    break;
                case (FieldShape.List, JsonArray list):
                    WalkList(list, structType, key, element, fieldPath, errors);
                    break;
            }
        }
    }

    private static void WalkList(JsonArray list, Type owner, string field, Type elementType, string path, List<string> errors)
    {
        var associative = ObjectFields.IsAssociative(list, PatchStrategyTable.Lookup(owner, field), out var keys);
        for (var i = 0; i < list.Count; i++)
        {
            if (list[i] is not JsonObject item)
            {
                continue;
            }

            var itemPath = associative
                ? path + FieldPath.Root.Append(PathElement.KeyOf(item, keys))
                : path + "[" + i.ToString(CultureInfo.InvariantCulture) + "]";
            Walk(item, elementType, itemPath, errors);
        }
    }
}
