using System.Runtime.InteropServices;
using System.Text;
using System.Text.Json;

namespace Skiff.Apimachinery.Validation;

/// <summary>The JSON properties of a model class, each with its type and a dense index (for a per-object "seen"
/// mark), found by a property's raw UTF-8 name without making a string of it.</summary>
internal sealed class ModelShape
{
    private const int MaxStackName = 128;

    private readonly Dictionary<string, (Type Type, int Index)> _byName = new(StringComparer.Ordinal);
    private readonly Dictionary<string, (Type Type, int Index)>.AlternateLookup<ReadOnlySpan<char>> _byChars;

    public ModelShape(IReadOnlyDictionary<string, Type> properties)
    {
        ArgumentNullException.ThrowIfNull(properties);
        foreach (var (name, type) in properties)
        {
            _byName[name] = (type, _byName.Count);
        }

        _byChars = _byName.GetAlternateLookup<ReadOnlySpan<char>>();
    }

    public int Count => _byName.Count;

    /// <summary>The property <paramref name="property"/> names, or null when the class has none by that name.</summary>
    public (Type Type, int Index)? Find(JsonProperty property)
    {
        var raw = JsonMarshal.GetRawUtf8PropertyName(property);
        if (raw.Length <= MaxStackName && raw.IndexOf((byte)'\\') < 0)
        {
            Span<char> chars = stackalloc char[MaxStackName];
            if (Encoding.UTF8.TryGetChars(raw, chars, out var written))
            {
                return _byChars.TryGetValue(chars[..written], out var found) ? found : null;
            }
        }

        // An escaped or long name: compare it unescaped, as a string.
        return _byName.TryGetValue(property.Name, out var field) ? field : null;
    }
}
