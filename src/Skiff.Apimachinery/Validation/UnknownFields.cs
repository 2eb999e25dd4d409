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
    private static readonly ConcurrentDictionary<Type, IReadOnlyDictionary<string, Type>?> Shapes = new();

    /// <summary>Every unknown or duplicate field in <paramref name="json"/>, in document order.</summary>
    public static IReadOnlyList<string> Find(Type modelType, ReadOnlySpan<byte> json)
    {
        var problems = new List<string>();
        using var document = JsonDocument.Parse(json.ToArray());
        Walk(modelType, document.RootElement, string.Empty, problems);
        return problems;
    }

    private static void Walk(Type type, JsonElement element, string path, List<string> problems)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        switch (element.ValueKind)
        {
            case JsonValueKind.Object when DictionaryValueType(type) is { } valueType:
                foreach (var entry in element.EnumerateObject())
                {
                    Walk(valueType, entry.Value, Join(path, entry.Name), problems);
                }

                break;
            case JsonValueKind.Object when PropertiesOf(type) is { } properties:
                var seen = new HashSet<string>(StringComparer.Ordinal);
                foreach (var property in element.EnumerateObject())
                {
                    var propertyPath = Join(path, property.Name);
                    if (!seen.Add(property.Name))
                    {
                        problems.Add($"duplicate field \"{propertyPath}\"");
                    }
                    else if (!properties.TryGetValue(property.Name, out var propertyType))
                    {
                        problems.Add($"unknown field \"{propertyPath}\"");
                    }
                    else
                    {
                        Walk(propertyType, property.Value, propertyPath, problems);
                    }
                }

                break;
            case JsonValueKind.Array when ElementType(type) is { } itemType:
                var index = 0;
                foreach (var item in element.EnumerateArray())
                {
                    Walk(itemType, item, $"{path}[{index++}]", problems);
                }

                break;
        }
    }

    private static string Join(string path, string name) => path.Length == 0 ? name : path + "." + name;

    /// <summary>The JSON properties of a model class; null for leaves (strings, numbers, IntOrString, quantities, raw objects).</summary>
    private static IReadOnlyDictionary<string, Type>? PropertiesOf(Type type) => Shapes.GetOrAdd(type, static t =>
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

        return properties;
    });

    private static Type? DictionaryValueType(Type type) =>
        GenericArgumentsOf(type, typeof(IDictionary<,>)) is [_, var value] ? value : null;

    private static Type? ElementType(Type type) =>
        type.IsArray ? type.GetElementType()
        : type != typeof(string) && typeof(IEnumerable).IsAssignableFrom(type) && GenericArgumentsOf(type, typeof(IEnumerable<>)) is [var item] ? item
        : null;

    private static Type[]? GenericArgumentsOf(Type type, Type openInterface)
    {
        if (type.IsGenericType && type.GetGenericTypeDefinition() == openInterface)
        {
            return type.GetGenericArguments();
        }

        return type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == openInterface)?.GetGenericArguments();
    }
}
