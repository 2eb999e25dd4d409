using System.Collections.Concurrent;
using System.Reflection;
using System.Text.Json.Serialization;

namespace Skiff.Apimachinery.Patching;

/// <summary>The shape of a field of a KubernetesClient model, found from its <c>[JsonPropertyName]</c> properties.</summary>
internal enum FieldShape
{
    Unknown,
    Scalar,
    Struct,
    List,
    Map,
}

/// <summary>
/// Walks the KubernetesClient model types (<c>k8s.Models</c>) to know, for a JSON field of a type, whether it is a
/// nested struct, a list or a map and which model type its elements have. Unknown fields have no type, so they
/// merge like JSON merge patch.
/// </summary>
internal static class ModelSchema
{
    // Reflection over the models is slow and the answers never change: one table per model type, built once.
    private static readonly ConcurrentDictionary<Type, IReadOnlyDictionary<string, (FieldShape Shape, Type? ElementType)>> Fields = new();
    private static readonly ConcurrentDictionary<Type, bool> Models = new();

    /// <summary>The field's shape and the model type of its value (struct) or elements (list/map), when known.</summary>
    public static (FieldShape Shape, Type? ElementType) Field(Type? modelType, string jsonField) =>
        modelType is not null && FieldsOf(modelType).TryGetValue(jsonField, out var field) ? field : (FieldShape.Unknown, null);

    private static IReadOnlyDictionary<string, (FieldShape Shape, Type? ElementType)> FieldsOf(Type modelType) =>
        Fields.GetOrAdd(modelType, static type =>
        {
            var fields = new Dictionary<string, (FieldShape, Type?)>(StringComparer.Ordinal);
            foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
            {
                if (property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name is { } name)
                {
                    fields.TryAdd(name, Classify(property.PropertyType));
                }
            }

            return fields;
        });

    private static (FieldShape, Type?) Classify(Type type)
    {
        type = Nullable.GetUnderlyingType(type) ?? type;
        if (type == typeof(string) || type.IsPrimitive || type == typeof(byte[]) || !type.IsClass && !type.IsInterface)
        {
            return (FieldShape.Scalar, null);
        }

        if (type.IsGenericType)
        {
            var definition = type.GetGenericTypeDefinition();
            var arguments = type.GetGenericArguments();
            if (definition == typeof(IDictionary<,>) || definition == typeof(Dictionary<,>))
            {
                return (FieldShape.Map, ModelOrNull(arguments[1]));
            }

            if (definition == typeof(IList<>) || definition == typeof(List<>) || definition == typeof(IEnumerable<>) ||
                definition == typeof(ICollection<>) || definition == typeof(IReadOnlyList<>))
            {
                return (FieldShape.List, ModelOrNull(arguments[0]));
            }
        }

        return IsModel(type) ? (FieldShape.Struct, type) : (FieldShape.Scalar, null);
    }

    private static Type? ModelOrNull(Type type) => IsModel(type) ? type : null;

    // IntOrString and ResourceQuantity are models in C# but scalars in JSON; they have no [JsonPropertyName] members.
    private static bool IsModel(Type type) => Models.GetOrAdd(type, static t =>
        t.Namespace == "k8s.Models" && t.IsClass &&
        t.GetProperties().Any(p => p.GetCustomAttribute<JsonPropertyNameAttribute>() is not null));
}
