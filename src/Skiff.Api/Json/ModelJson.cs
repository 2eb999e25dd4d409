using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using k8s;
using k8s.Models;

namespace Skiff.Api.Json;

/// <summary>The JSON settings of the Kubernetes models (the same rules as <c>KubernetesJson</c>, usable with a runtime type).</summary>
public static class ModelJson
{
    // A NativeAOT host has no reflection-based serializer: it names the source-generated metadata of the types it
    // reads and writes (UseSourceGenerated) before the first use of the options.
    private static IJsonTypeInfoResolver? s_sourceGenerated;
    private static readonly Lazy<JsonSerializerOptions> s_options = new(() => Create(HideComputedStatusProperty));
    private static readonly Lazy<JsonSerializerOptions> s_withoutManagedFields = new(() => Create(HideComputedStatusProperty, SkipManagedFields));

    public static JsonSerializerOptions Options => s_options.Value;

    /// <summary>The same settings for reading only, skipping <c>metadata.managedFields</c> rather than materializing
    /// it (client-go's informer transform that strips managedFields, done while decoding). Never write with these:
    /// the field would be lost.</summary>
    public static JsonSerializerOptions WithoutManagedFields => s_withoutManagedFields.Value;

    /// <summary>Makes the options use <paramref name="resolver"/> (a <c>JsonSerializerContext</c> of the process's
    /// types) instead of reflection: for a NativeAOT build, where only those types can be read or written. Call once,
    /// before anything serializes.</summary>
    /// <exception cref="InvalidOperationException">The options are already in use.</exception>
    public static void UseSourceGenerated(IJsonTypeInfoResolver resolver)
    {
        ArgumentNullException.ThrowIfNull(resolver);
        if (s_options.IsValueCreated || s_withoutManagedFields.IsValueCreated)
        {
            throw new InvalidOperationException("the model JSON options are already in use");
        }

        s_sourceGenerated = resolver;
    }

    public static IKubernetesObject<V1ObjectMeta> Deserialize(ReadOnlySpan<byte> json, Type type) =>
        (IKubernetesObject<V1ObjectMeta>)(JsonSerializer.Deserialize(json, type, Options)
            ?? throw new JsonException("null object"));

    public static T Deserialize<T>(ReadOnlySpan<byte> json) =>
        JsonSerializer.Deserialize<T>(json, Options) ?? throw new JsonException("null object");

    public static byte[] Serialize(object value) => JsonSerializer.SerializeToUtf8Bytes(value, value.GetType(), Options);

    // V1Status has a computed HasObject property that is not part of the wire format.
    private static void HideComputedStatusProperty(JsonTypeInfo info)
    {
        if (info.Type == typeof(V1Status))
        {
            var hasObject = info.Properties.FirstOrDefault(p => p.Name == "hasObject");
            if (hasObject is not null)
            {
                info.Properties.Remove(hasObject);
            }
        }
    }

    private static void SkipManagedFields(JsonTypeInfo info)
    {
        if (info.Type == typeof(V1ObjectMeta) && info.Properties.FirstOrDefault(p => p.Name == "managedFields") is { } managedFields)
        {
            info.Properties.Remove(managedFields);
        }
    }

    private static JsonSerializerOptions Create(params Action<JsonTypeInfo>[] modifiers)
    {
        IJsonTypeInfoResolver resolver;
        if (s_sourceGenerated is { } generated)
        {
            resolver = generated;
            foreach (var modifier in modifiers)
            {
                resolver = resolver.WithAddedModifier(modifier);
            }
        }
        else
        {
            var reflection = new DefaultJsonTypeInfoResolver();
            foreach (var modifier in modifiers)
            {
                reflection.Modifiers.Add(modifier);
            }

            resolver = reflection;
        }

        var options = new JsonSerializerOptions
        {
            TypeInfoResolver = resolver,
            Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
            DefaultIgnoreCondition = JsonIgnoreCondition.WhenWritingNull,
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
        };
        if (s_sourceGenerated is null)
        {
            options.Converters.Add(new JsonStringEnumConverter()); // makes a converter per enum type at run time
        }

        options.Converters.Add(new ResourceQuantityJson()); // ahead of the type's own [JsonConverter]
        options.Converters.Add(new KubernetesJson.Iso8601TimeSpanConverter());
        options.Converters.Add(new KubernetesJson.KubernetesDateTimeConverter());
        options.Converters.Add(new KubernetesJson.KubernetesDateTimeOffsetConverter());
        options.MakeReadOnly(populateMissingResolver: false);
        return options;
    }
}
