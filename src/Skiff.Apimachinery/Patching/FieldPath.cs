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
    /// <summary>The FieldsV1 key: <c>f:</c>, <c>k:</c> or <c>v:</c> and the text. Kept, not computed on each read:
    /// writing a FieldsV1 reads it for every element of every path of the set.</summary>
    public string Encoded { get; } = Kind switch
    {
        PathElementKind.Field => "f:" + Text,
        PathElementKind.Key => "k:" + Text,
        _ => "v:" + Text,
    };

    // Equal by kind and text (the encoded key follows from them).
    public bool Equals(PathElement other) => Kind == other.Kind && string.Equals(Text, other.Text, StringComparison.Ordinal);

    public override int GetHashCode() => HashCode.Combine(Kind, Text);

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
internal sealed record FieldPath
{
    // The elements in an array the path owns (walked with indexes and spans: these run for every path of every
    // managed-fields computation, and an interface's enumerator would be an allocation each time).
    private readonly PathElement[] _elements;

    // Paths live in hash sets that are combined many times per write; the elements never change.
    private int _hash;

    public FieldPath(PathElement[] elements)
    {
        _elements = elements;
    }

    public IReadOnlyList<PathElement> Elements => _elements;

    public static FieldPath Root { get; } = new([]);

    /// <summary>The path one step up; the root for a path of one element.</summary>
    public FieldPath Parent => _elements.Length <= 1 ? Root : new(_elements[..^1]);

    public FieldPath Append(PathElement element)
    {
        var elements = new PathElement[_elements.Length + 1];
        _elements.CopyTo(elements, 0);
        elements[^1] = element;
        return new(elements);
    }

    public bool StartsWith(FieldPath prefix) =>
        prefix._elements.Length <= _elements.Length && _elements.AsSpan(0, prefix._elements.Length).SequenceEqual(prefix._elements);

    public bool Equals(FieldPath? other) =>
        other is not null && (ReferenceEquals(this, other) || (GetHashCode() == other.GetHashCode() && _elements.AsSpan().SequenceEqual(other._elements)));

    public override int GetHashCode()
    {
        if (_hash == 0)
        {
            var hash = default(HashCode);
            foreach (var element in _elements)
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
        foreach (var element in _elements)
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
