using System.Text.Json;
using Skiff.Api.Json;

namespace Skiff.Client;

/// <summary>Deep copies of models. Objects from an informer's cache are shared: copy before changing one.</summary>
public static class ObjectCopy
{
    public static T Clone<T>(T obj)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(obj);
        return JsonSerializer.Deserialize<T>(ModelJson.Serialize(obj), ModelJson.Options)
            ?? throw new InvalidOperationException($"a copy of {typeof(T).Name} came back empty");
    }
}
