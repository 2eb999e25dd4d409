using System.Collections;
using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json;
using System.Text.Json.Serialization;

namespace Skiff.Apimachinery.Validation;

/// <summary>
/// Server-side field validation: walks a request body against the model type it decodes into and names the fields
/// the model does not have (<c>unknown field "spec.foo"</c>) and the fields given twice in one object
/// (<c>duplicate field "name"</c>), with the paths and wording kube-apiserver uses.
/// </summary>
public static class UnknownFields
{
    private static readonly ConcurrentDictionary<Type, ModelShape?> Shapes = new();

    // What a type holds as a map's values or a list's items: reflection (interfaces, generic definitions) asked once
    // per type instead of at every object and array of every request body.
    private static readonly ConcurrentDictionary<Type, (Type? MapValue, Type? Item, Type? Underlying)> Containers = new();

    // The fields of upstream's jsonPatchOp, which a JSON patch body is strictly decoded into.
    private static readonly HashSet<string> JsonPatchFields = new(StringComparer.Ordinal) { "op", "path", "from", "value" };

    // sigs.k8s.io/json stops collecting strict errors after this many.
    private const int MaxProblems = 100;

    /// <summary>Every unknown or duplicate field in <paramref name="json"/>, in document order, each named once.</summary>
    public static IReadOnlyList<string> Find(Type modelType, ReadOnlySpan<byte> json)
    {
        var problems = new List<string>();
        var reader = new Utf8JsonReader(json);
        Walk(modelType, JsonElement.ParseValue(ref reader), new JsonPathSteps(), problems);
        return Distinct(problems);
    }

    /// <summary>
    /// Whether a merge or strategic merge patch of an object of <paramref name="modelType"/> may leave it with an
    /// unknown field: false when every field the patch sets is known (its <c>$</c> directives aside; a null removes,
    /// so it sets nothing). A stored object has no unknown field — it was encoded from its model — so its patched form
    /// can only get one from the patch, and when this is false the patched object need not be searched. True when the
    /// patch is not JSON (the patch itself reports that).
    /// </summary>
    public static bool PatchMayAddUnknown(Type modelType, ReadOnlySpan<byte> patch)
    {
        ArgumentNullException.ThrowIfNull(modelType);
        return !TryParse(patch, out var root) || SetsUnknown(modelType, root);
    }

    private static bool SetsUnknown(Type type, JsonElement element)
    {
        type = type.IsValueType ? ContainerOf(type).Underlying ?? type : type;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object when DictionaryValueType(type) is { } valueType:
                foreach (var entry in element.EnumerateObject())
                {
                    if (SetsUnknown(valueType, entry.Value))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.Object when ShapeOf(type) is { } shape:
                foreach (var property in element.EnumerateObject())
                {
                    if (property.Value.ValueKind == JsonValueKind.Null || property.Name.StartsWith('$'))
                    {
                        continue;
                    }

                    if (shape.Find(property) is not { } field || SetsUnknown(field.Type, property.Value))
                    {
                        return true;
                    }
                }

                return false;
            case JsonValueKind.Array when ElementType(type) is { } itemType:
                foreach (var item in element.EnumerateArray())
                {
                    if (SetsUnknown(itemType, item))
                    {
                        return true;
                    }
                }

                return false;
            default:
                return false;
        }
    }

    /// <summary>The duplicate fields of <paramref name="json"/> decoded as <c>map[string]interface{}</c> (a merge or
    /// strategic merge patch body): there are no unknown fields then. Empty when the body is not valid JSON (the patch
    /// itself reports that).</summary>
    public static IReadOnlyList<string> FindDuplicates(ReadOnlySpan<byte> json)
    {
        if (!MayRepeatKeys(json))
        {
            return [];
        }

        var problems = new List<string>();
        if (TryParse(json, out var root))
        {
            WalkUntyped(root, string.Empty, problems);
        }

        return Distinct(problems);
    }

    /// <summary>The strict errors of a JSON patch body decoded as a list of operations (op, path, from, value): unknown
    /// and duplicate fields of an operation and duplicate fields inside its value, each prefixed <c>json patch</c> as
    /// the API server words them (<c>json patch unknown field "[0].foo"</c>).</summary>
    public static IReadOnlyList<string> FindInJsonPatch(ReadOnlySpan<byte> json)
    {
        var problems = new List<string>();
        if (!TryParse(json, out var root) || root.ValueKind != JsonValueKind.Array)
        {
            return problems;
        }

        var index = 0;
        foreach (var operation in root.EnumerateArray())
        {
            var path = $"[{index++}]";
            if (operation.ValueKind != JsonValueKind.Object)
            {
                continue;
            }

            var seen = new HashSet<string>(StringComparer.Ordinal);
            foreach (var property in operation.EnumerateObject())
            {
                var propertyPath = Join(path, property.Name);
                if (!seen.Add(property.Name) && JsonPatchFields.Contains(property.Name))
                {
                    problems.Add($"duplicate field {GoFormat.Quote(propertyPath)}");
                }
                else if (!JsonPatchFields.Contains(property.Name))
                {
                    problems.Add($"unknown field {GoFormat.Quote(propertyPath)}");
                    continue;
                }

                if (property.Name == "value")
                {
                    WalkUntyped(property.Value, propertyPath, problems);
                }
            }
        }

        return Distinct(problems).Select(p => "json patch " + p).ToList();
    }

    // Whether an object of the JSON may repeat a key. Every patch body is checked and almost none repeats one: the
    // names are compared as bytes in one read, and the walk that spells out paths runs only when this says yes (also
    // for what it does not settle: escaped names, objects of many keys, JSON that does not parse).
    private static bool MayRepeatKeys(ReadOnlySpan<byte> json)
    {
        const int ComparedUpTo = 64;
        var names = new List<(int Depth, int Start, int Length)>();
        var reader = new Utf8JsonReader(json);
        try
        {
            while (reader.Read())
            {
                switch (reader.TokenType)
                {
                    case JsonTokenType.PropertyName:
                        if (reader.ValueIsEscaped || reader.HasValueSequence)
                        {
                            return true;
                        }

                        var depth = reader.CurrentDepth;
                        var name = reader.ValueSpan;
                        var siblings = 0;
                        for (var i = names.Count - 1; i >= 0 && names[i].Depth == depth; i--)
                        {
                            if (json.Slice(names[i].Start, names[i].Length).SequenceEqual(name) || ++siblings >= ComparedUpTo)
                            {
                                return true;
                            }
                        }

                        names.Add((depth, (int)reader.TokenStartIndex + 1, name.Length));
                        break;
                    case JsonTokenType.EndObject:
                        // The names of the object that ends (one level below it) are done with.
                        while (names.Count > 0 && names[^1].Depth > reader.CurrentDepth)
                        {
                            names.RemoveAt(names.Count - 1);
                        }

                        break;
                }
            }
        }
        catch (JsonException)
        {
            return true;
        }

        return false;
    }

    private static bool TryParse(ReadOnlySpan<byte> json, out JsonElement root)
    {
        try
        {
            var reader = new Utf8JsonReader(json);
            root = JsonElement.ParseValue(ref reader);
            return true;
        }
        catch (JsonException)
        {
            root = default;
            return false;
        }
    }

    private static List<string> Distinct(List<string> problems) =>
        problems.Count == 0 ? problems : problems.Distinct(StringComparer.Ordinal).Take(MaxProblems).ToList();

    // interface{}: objects are maps (only duplicates can be wrong), everything is walked.
    private static void WalkUntyped(JsonElement element, string path, List<string> problems)
    {
        switch (element.ValueKind)
        {
            case JsonValueKind.Object:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var entry in element.EnumerateObject())
                {
                    var entryPath = Join(path, entry.Name);
                    if (!seen.Add(entry.Name))
                    {
                        problems.Add($"duplicate field {GoFormat.Quote(entryPath)}");
                    }

                    WalkUntyped(entry.Value, entryPath, problems);
                }

                break;
            case JsonValueKind.Array:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    WalkUntyped(item, $"{path}[{index++}]", problems);
                }

                break;
        }
    }

    // Every field of every request body goes through here: names are looked up without making strings of them, and
    // the path is spelled out only for a field that has a problem.
    private static void Walk(Type type, JsonElement element, JsonPathSteps path, List<string> problems)
    {
        type = type.IsValueType ? ContainerOf(type).Underlying ?? type : type;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object when DictionaryValueType(type) is { } valueType:
                var keys = new HashSet<string>(StringComparer.Ordinal);
                foreach (var entry in element.EnumerateObject())
                {
                    path.Push(entry);
                    if (!keys.Add(entry.Name))
                    {
                        problems.Add($"duplicate field {GoFormat.Quote(path.ToString())}");
                    }

                    Walk(valueType, entry.Value, path, problems);
                    path.Pop();
                }

                break;
            case JsonValueKind.Object when ShapeOf(type) is { } shape:
                Span<bool> seenFields = shape.Count <= 128 ? stackalloc bool[shape.Count] : new bool[shape.Count];
                HashSet<string>? unknown = null;
                foreach (var property in element.EnumerateObject())
                {
                    path.Push(property);
                    if (shape.Find(property) is { } field)
                    {
                        if (seenFields[field.Index])
                        {
                            problems.Add($"duplicate field {GoFormat.Quote(path.ToString())}");
                        }
                        else
                        {
                            seenFields[field.Index] = true;
                            Walk(field.Type, property.Value, path, problems);
                        }
                    }
                    else
                    {
                        unknown ??= new HashSet<string>(StringComparer.Ordinal);
                        problems.Add(unknown.Add(property.Name)
                            ? $"unknown field {GoFormat.Quote(path.ToString())}"
                            : $"duplicate field {GoFormat.Quote(path.ToString())}");
                    }

                    path.Pop();
                }

                break;
            case JsonValueKind.Array when ElementType(type) is { } itemType:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    path.Push(index++);
                    Walk(itemType, item, path, problems);
                    path.Pop();
                }

                break;
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    /// <summary>The JSON properties of a model class; null for leaves (strings, numbers, IntOrString, quantities, raw objects).</summary>
    private static ModelShape? ShapeOf(Type type) => Shapes.GetOrAdd(type, static t =>
    {
        if (t.IsPrimitive || t == typeof(string) || t == typeof(object) || t == typeof(JsonElement) || t.IsEnum
            || t.GetCustomAttribute<JsonConverterAttribute>() is not null || t.Namespace != "k8s.Models")
        {
            return null;
        }

        var properties = new Dictionary<string, Type>(StringComparer.Ordinal);
        foreach (var property in t.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            if (property.GetCustomAttribute<JsonPropertyNameAttribute>() is { } name)
            {
                properties[name.Name] = property.PropertyType;
            }
        }

        return new ModelShape(properties);
    });

    private static Type? DictionaryValueType(Type type) => ContainerOf(type).MapValue;

    private static Type? ElementType(Type type) => ContainerOf(type).Item;

    private static (Type? MapValue, Type? Item, Type? Underlying) ContainerOf(Type type) => Containers.GetOrAdd(type, static t => ContainerOfType(t));

    private static (Type? MapValue, Type? Item, Type? Underlying) ContainerOfType(Type t) =>
    (
        GenericArgumentsOf(t, typeof(IDictionary<,>)) is [_, var value] ? value : null,
        t.IsArray ? t.GetElementType()
        : t != typeof(string) && typeof(IEnumerable).IsAssignableFrom(t) && GenericArgumentsOf(t, typeof(IEnumerable<>)) is [var item] ? item
        : null,
        Nullable.GetUnderlyingType(t));

    private static Type[]? GenericArgumentsOf(Type type, Type openInterface)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == openInterface)
        {
            return type.GetGenericArguments();
        }

        return type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == openInterface)?.GetGenericArguments();
    }
}
