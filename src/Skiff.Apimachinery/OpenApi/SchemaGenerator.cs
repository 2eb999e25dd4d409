using System.Reflection;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;
using k8s.Models;

namespace Skiff.Apimachinery.OpenApi;

/// <summary>
/// Builds <c>components.schemas</c> from the KubernetesClient model types by reflection: properties by their JSON
/// names, types and formats as upstream writes them (int32/int64, date-time, byte, int-or-string, Quantity), object
/// references as <c>allOf:[{$ref}]</c> with the field's description, required fields, and
/// <c>x-kubernetes-group-version-kind</c> on top-level kinds.
/// </summary>
internal sealed class SchemaGenerator(KubernetesClientDocs docs)
{
    private const string RefPrefix = "#/components/schemas/";

    // Required fields that are reference types in the client (non-nullable value types are found by reflection).
    private static readonly Dictionary<string, string[]> RequiredByName = new(StringComparer.Ordinal)
    {
        ["io.k8s.api.core.v1.PodSpec"] = ["containers"],
        ["io.k8s.api.core.v1.Container"] = ["name"],
        ["io.k8s.api.core.v1.EphemeralContainer"] = ["name"],
        ["io.k8s.api.core.v1.EnvVar"] = ["name"],
        ["io.k8s.api.core.v1.Volume"] = ["name"],
        ["io.k8s.api.core.v1.VolumeMount"] = ["mountPath", "name"],
        ["io.k8s.api.core.v1.VolumeDevice"] = ["devicePath", "name"],
        ["io.k8s.api.core.v1.KeyToPath"] = ["key", "path"],
        ["io.k8s.api.core.v1.HostPathVolumeSource"] = ["path"],
        ["io.k8s.api.core.v1.PersistentVolumeClaimVolumeSource"] = ["claimName"],
        ["io.k8s.api.core.v1.ConfigMapKeySelector"] = ["key"],
        ["io.k8s.api.core.v1.SecretKeySelector"] = ["key"],
        ["io.k8s.api.core.v1.ObjectFieldSelector"] = ["fieldPath"],
        ["io.k8s.api.core.v1.ResourceFieldSelector"] = ["resource"],
        ["io.k8s.api.core.v1.HTTPGetAction"] = ["port"],
        ["io.k8s.api.core.v1.TCPSocketAction"] = ["port"],
        ["io.k8s.api.core.v1.HTTPHeader"] = ["name", "value"],
        ["io.k8s.api.core.v1.Taint"] = ["effect", "key"],
        ["io.k8s.api.core.v1.NodeAddress"] = ["address", "type"],
        ["io.k8s.api.core.v1.NodeCondition"] = ["status", "type"],
        ["io.k8s.api.core.v1.PodCondition"] = ["status", "type"],
        ["io.k8s.api.core.v1.ContainerStatus"] = ["image", "imageID", "name", "ready", "restartCount"],
        ["io.k8s.api.core.v1.PodReadinessGate"] = ["conditionType"],
        ["io.k8s.api.core.v1.PodSchedulingGate"] = ["name"],
        ["io.k8s.api.core.v1.EndpointAddress"] = ["ip"],
        ["io.k8s.api.core.v1.Binding"] = ["target"],
        ["io.k8s.api.core.v1.Event"] = ["involvedObject", "metadata"],
        ["io.k8s.api.core.v1.NodeSystemInfo"] = ["architecture", "bootID", "containerRuntimeVersion", "kernelVersion", "kubeProxyVersion", "kubeletVersion", "machineID", "operatingSystem", "osImage", "systemUUID"],
        ["io.k8s.api.apps.v1.DeploymentSpec"] = ["selector", "template"],
        ["io.k8s.api.apps.v1.ReplicaSetSpec"] = ["selector"],
        ["io.k8s.api.apps.v1.DaemonSetSpec"] = ["selector", "template"],
        ["io.k8s.api.apps.v1.DeploymentCondition"] = ["status", "type"],
        ["io.k8s.api.apps.v1.ReplicaSetCondition"] = ["status", "type"],
        ["io.k8s.api.apps.v1.DaemonSetCondition"] = ["status", "type"],
        ["io.k8s.api.batch.v1.JobSpec"] = ["template"],
        ["io.k8s.api.batch.v1.JobCondition"] = ["status", "type"],
        ["io.k8s.api.events.v1.Event"] = ["eventTime"],
        ["io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelectorRequirement"] = ["key", "operator"],
        ["io.k8s.apimachinery.pkg.apis.meta.v1.OwnerReference"] = ["apiVersion", "kind", "name", "uid"],
    };

    /// <summary>The schemas of <paramref name="roots"/> and every model type they reach, sorted by name.</summary>
    public SortedDictionary<string, JsonObject> Build(IEnumerable<Type> roots, IReadOnlyDictionary<Type, List<JsonObject>> groupVersionKinds)
    {
        var schemas = new SortedDictionary<string, JsonObject>(StringComparer.Ordinal);
        var pending = new Queue<Type>(roots);
        var seen = new HashSet<Type>();
        while (pending.TryDequeue(out var type))
        {
            if (!seen.Add(type))
            {
                continue;
            }

            var schema = TypeSchema(type, pending);
            if (groupVersionKinds.TryGetValue(type, out var gvks))
            {
                schema["x-kubernetes-group-version-kind"] = new JsonArray([.. gvks.Select(g => g.DeepClone())]);
            }

            schemas[SchemaNames.Of(type)] = schema;
        }

        schemas[SchemaNames.MetaPackage + ".Patch"] = new JsonObject
        {
            ["description"] = "Patch is provided to give a concrete name and type to the Kubernetes PATCH request body.",
            ["type"] = "object",
        };
        return schemas;
    }

    private JsonObject TypeSchema(Type type, Queue<Type> pending)
    {
        var schema = new JsonObject();
        if (docs.ForType(type) is { } description)
        {
            schema["description"] = description;
        }

        // v3 writes these two as oneOf (upstream's OpenAPIV3OneOfTypes); with no "type", explain shows their names.
        if (type == typeof(IntOrString))
        {
            schema["format"] = "int-or-string";
            schema["oneOf"] = new JsonArray(new JsonObject { ["type"] = "integer" }, new JsonObject { ["type"] = "string" });
            return schema;
        }

        if (type == typeof(ResourceQuantity))
        {
            schema["oneOf"] = new JsonArray(new JsonObject { ["type"] = "string" }, new JsonObject { ["type"] = "number" });
            return schema;
        }

        var properties = new SortedDictionary<string, JsonNode>(StringComparer.Ordinal);
        var required = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var property in type.GetProperties(BindingFlags.Public | BindingFlags.Instance))
        {
            var name = property.GetCustomAttribute<JsonPropertyNameAttribute>()?.Name;
            if (name is null)
            {
                continue;
            }

            var propertySchema = PropertySchema(property.PropertyType, pending, asProperty: true);
            if (docs.ForProperty(property) is { } propertyDescription)
            {
                propertySchema["description"] = propertyDescription;
            }

            AddPatchExtensions(propertySchema, Patching.PatchStrategyTable.Lookup(type, name));
            properties[name] = propertySchema;
            if (property.PropertyType.IsValueType && Nullable.GetUnderlyingType(property.PropertyType) is null)
            {
                required.Add(name);
            }
        }

        if (RequiredByName.TryGetValue(SchemaNames.Of(type), out var listed))
        {
            required.UnionWith(listed.Where(properties.ContainsKey));
        }

        schema["properties"] = new JsonObject([.. properties.Select(p => KeyValuePair.Create(p.Key, (JsonNode?)p.Value))]);
        if (required.Count > 0)
        {
            schema["required"] = new JsonArray([.. required.Select(r => (JsonNode)r)]);
        }

        schema["type"] = "object";
        return schema;
    }

    /// <summary>
    /// The patch metadata kubectl reads from OpenAPI for client-side apply (as upstream publishes it): without the
    /// merge key, kubectl treats lists such as containers as atomic and re-sends them on every apply.
    /// </summary>
    private static void AddPatchExtensions(JsonObject propertySchema, Patching.FieldStrategy? strategy)
    {
        if (strategy is null)
        {
            return;
        }

        var strategies = new List<string>();
        if (strategy.Merge)
        {
            strategies.Add("merge");
        }

        if (strategy.RetainKeys)
        {
            strategies.Add("retainKeys");
        }

        if (strategies.Count > 0)
        {
            propertySchema["x-kubernetes-patch-strategy"] = string.Join(',', strategies);
        }

        if (strategy.MergeKey is { } key)
        {
            propertySchema["x-kubernetes-patch-merge-key"] = key;
        }

        if (strategy.ListMapKeys.Count > 0 && propertySchema["type"]?.GetValue<string>() == "array")
        {
            propertySchema["x-kubernetes-list-type"] = "map";
            propertySchema["x-kubernetes-list-map-keys"] = new JsonArray([.. strategy.ListMapKeys.Select(k => (JsonNode?)k)]);
        }
        else if (strategy.Merge && strategy.MergeKey is null && propertySchema["type"]?.GetValue<string>() == "array")
        {
            propertySchema["x-kubernetes-list-type"] = "set";
        }
    }

    private static JsonObject PropertySchema(Type type, Queue<Type> pending, bool asProperty)
    {
        var underlying = Nullable.GetUnderlyingType(type) ?? type;
        if (underlying == typeof(string))
        {
            return new JsonObject { ["type"] = "string" };
        }

        if (underlying == typeof(bool))
        {
            return new JsonObject { ["type"] = "boolean" };
        }

        if (underlying == typeof(int) || underlying == typeof(short))
        {
            return new JsonObject { ["format"] = "int32", ["type"] = "integer" };
        }

        if (underlying == typeof(long))
        {
            return new JsonObject { ["format"] = "int64", ["type"] = "integer" };
        }

        if (underlying == typeof(double) || underlying == typeof(float) || underlying == typeof(decimal))
        {
            return new JsonObject { ["format"] = "double", ["type"] = "number" };
        }

        if (underlying == typeof(DateTime) || underlying == typeof(DateTimeOffset))
        {
            return new JsonObject { ["format"] = "date-time", ["type"] = "string" };
        }

        if (underlying == typeof(byte[]))
        {
            return new JsonObject { ["format"] = "byte", ["type"] = "string" };
        }

        if (DictionaryValueType(underlying) is { } valueType)
        {
            return new JsonObject { ["additionalProperties"] = PropertySchema(valueType, pending, asProperty: false), ["type"] = "object" };
        }

        if (ListItemType(underlying) is { } itemType)
        {
            return new JsonObject { ["items"] = PropertySchema(itemType, pending, asProperty: false), ["type"] = "array" };
        }

        if (underlying.Namespace == "k8s.Models" && underlying.IsClass)
        {
            pending.Enqueue(underlying);
            var reference = new JsonObject { ["$ref"] = RefPrefix + SchemaNames.Of(underlying) };
            return asProperty ? new JsonObject { ["allOf"] = new JsonArray(reference) } : reference;
        }

        // Free-form values (e.g. managedFields' fieldsV1).
        return new JsonObject { ["type"] = "object" };
    }

    private static Type? DictionaryValueType(Type type)
    {
        var dictionary = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IDictionary<,>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IDictionary<,>));
        return dictionary?.GetGenericArguments()[1];
    }

    private static Type? ListItemType(Type type)
    {
        if (type == typeof(string))
        {
            return null;
        }

        var enumerable = type.IsGenericType && type.GetGenericTypeDefinition() == typeof(IEnumerable<>)
            ? type
            : type.GetInterfaces().FirstOrDefault(i => i.IsGenericType && i.GetGenericTypeDefinition() == typeof(IEnumerable<>));
        return enumerable?.GetGenericArguments()[0];
    }
}
