using System.Text;
using System.Text.Json.Nodes;

namespace Skiff.Apimachinery.Patching;

/// <summary>The kinds of step in a managed-fields path, as structured-merge-diff names them in FieldsV1.</summary>
internal enum PathElementKind
{
    /// <summary><c>f:name</c>: a field of an object.</summary>
    Field,

    /// <summary><c>k:{"name":"x"}</c>: the element of an associative list with these key field values.</summary>
    Key,

    /// <summary><c>v:"x"</c>: the element of a set-like list of primitives with this value.</summary>
    Value,
}

/// <summary>One step of a <see cref="FieldPath"/>; <see cref="Text"/> is the field name or the compact JSON of the key/value.</summary>
internal readonly record struct PathElement(PathElementKind Kind, string Text)
{
    public static PathElement Field(string name) => new(PathElementKind.Field, name);

    /// <summary>The key element of a list item: its key fields, in sorted order, as compact JSON.</summary>
    public static PathElement KeyOf(JsonObject item, IReadOnlyList<string> keys)
    {
        var key = new JsonObject();
        foreach (var name in keys.Order(StringComparer.Ordinal))
        {
            if (item.TryGetPropertyValue(name, out var value) && value is not null)
            {
                key[name] = value.DeepClone();
            }
        }

        return new(PathElementKind.Key, key.ToJsonString());
    }

    public static PathElement ValueOf(JsonNode? value) => new(PathElementKind.Value, value?.ToJsonString() ?? "null");

    /// <summary>The FieldsV1 key: <c>f:</c>, <c>k:</c> or <c>v:</c> and the text.</summary>
    public string Encoded => Kind switch
    {
        PathElementKind.Field => "f:" + Text,
        PathElementKind.Key => "k:" + Text,
        _ => "v:" + Text,
    };

    public static PathElement Decode(string encoded) => encoded[..2] switch
    {
        "f:" => Field(encoded[2..]),
        "k:" => new(PathElementKind.Key, JsonNode.Parse(encoded[2..])!.ToJsonString()),
        "v:" => new(PathElementKind.Value, JsonNode.Parse(encoded[2..])?.ToJsonString() ?? "null"),
        _ => throw new FormatException($"unsupported managed fields path element {encoded}"),
    };
}

/// <summary>
/// A path to a field or list item, e.g. <c>.spec.containers[name="web"].image</c> (its <see cref="ToString"/> is
/// structured-merge-diff's spelling, used in conflict messages).
/// </summary>
internal sealed record FieldPath(IReadOnlyList<PathElement> Elements)
{
    // Paths live in hash sets that are combined many times per write; the elements never change.
    private int _hash;

    public static FieldPath Root { get; } = new([]);

    /// <summary>The path one step up; the root for a path of one element.</summary>
    public FieldPath Parent => Elements.Count <= 1 ? Root : new([.. Elements.Take(Elements.Count - 1)]);

    public FieldPath Append(PathElement element) => new([.. Elements, element]);

    public bool StartsWith(FieldPath prefix) =>
        prefix.Elements.Count <= Elements.Count && prefix.Elements.SequenceEqual(Elements.Take(prefix.Elements.Count));

    public bool Equals(FieldPath? other) =>
        other is not null && (ReferenceEquals(this, other) || (GetHashCode() == other.GetHashCode() && Elements.SequenceEqual(other.Elements)));

    public override int GetHashCode()
    {
        if (_hash == 0)
        {
            var hash = default(HashCode);
            foreach (var element in Elements)
            {
                hash.Add(element);
            }

            _hash = hash.ToHashCode() | 1;
        }

        return _hash;
    }

    public override string ToString()
    {
        var text = new StringBuilder();
        foreach (var element in Elements)
        {
            switch (element.Kind)
            {
                case PathElementKind.Field:
                    text.Append('.').Append(element.Text);
                    break;
                case PathElementKind.Key:
                    var fields = JsonNode.Parse(element.Text)!.AsObject().Select(p => $"{p.Key}={p.Value?.ToJsonString()}");
                    text.Append('[').Append(string.Join(",", fields)).Append(']');
                    break;
                default:
                    text.Append("[=").Append(element.Text).Append(']');
                    break;
            }
        }

        return text.ToString();
    }
}
