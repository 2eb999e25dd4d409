using System.Buffers;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// A set of owned paths (structured-merge-diff's fieldpath.Set), convertible to and from the FieldsV1 JSON of
/// <c>metadata.managedFields</c>: nested objects keyed <c>f:</c>/<c>k:</c>/<c>v:</c>, <c>{}</c> for a leaf, and
/// <c>".": {}</c> when a node with children is itself a member.
/// </summary>
internal sealed class FieldSet
{
    private readonly HashSet<FieldPath> _paths;

    // The FieldsV1 this set was read from, when it was already in the form ToFieldsV1 writes (keys sorted, leaves
    // {}, "." only beside children): an entry no write touched is then written back as it was instead of being
    // encoded again. Dropped by any change (sets made by Union and Except have none).
    private JsonObject? _canonicalSource;

    public FieldSet(IEnumerable<FieldPath>? paths = null) => _paths = [.. paths ?? []];

    public IReadOnlyCollection<FieldPath> Paths => _paths;

    public bool IsEmpty => _paths.Count == 0;

    public void Add(FieldPath path)
    {
        _canonicalSource = null;
        _paths.Add(path);
    }

    public bool Contains(FieldPath path) => _paths.Contains(path);

    /// <summary>True when <paramref name="path"/> or anything below it is in the set.</summary>
    public bool ContainsOrHasBelow(FieldPath path) => _paths.Any(p => p.StartsWith(path));

    /// <summary>True when nothing in the set lies strictly below <paramref name="path"/> (a leaf of this set).</summary>
    public bool IsLeaf(FieldPath path) => !_paths.Any(p => p.Elements.Count > path.Elements.Count && p.StartsWith(path));

    /// <summary>Every path that has something of the set strictly below it: the members that are not leaves, found in
    /// one pass (<see cref="IsLeaf"/> asked of every member would compare every pair).</summary>
    public HashSet<FieldPath> Parents()
    {
        var parents = new HashSet<FieldPath>();
        foreach (var path in _paths)
        {
            for (var up = path; up.Elements.Count > 0;)
            {
                up = up.Parent;
                if (!parents.Add(up))
                {
                    break;
                }
            }
        }

        return parents;
    }

    public FieldSet Union(FieldSet other) => new(_paths.Concat(other._paths));

    public FieldSet Except(IEnumerable<FieldPath> remove)
    {
        var result = new FieldSet(_paths);
        result._paths.ExceptWith(remove);
        return result;
    }

    /// <summary>The set as FieldsV1, keys sorted at every level as upstream writes them (clients diff it).</summary>
    public JsonObject ToFieldsV1()
    {
        if (_canonicalSource is not null)
        {
            return (JsonObject)_canonicalSource.DeepClone();
        }

        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer))
        {
            WriteFieldsV1(writer);
        }

        return JsonNode.Parse(buffer.WrittenSpan)!.AsObject();
    }

    /// <summary>The set as FieldsV1 written into <paramref name="writer"/>. In lexicographic order of their encoded
    /// keys, paths come as a depth-first walk of the tree with every object's keys in order (a path before the paths
    /// below it), so the tree is written sorted in one pass. A member that gets children gets ".": {} first ("." sorts
    /// before every "f:", "k:", "v:" key).</summary>
    public void WriteFieldsV1(Utf8JsonWriter writer)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (_canonicalSource is not null)
        {
            _canonicalSource.WriteTo(writer);
            return;
        }

        var ordered = new List<string[]>(_paths.Count);
        foreach (var path in _paths)
        {
            if (path.Elements.Count > 0)
            {
                var keys = new string[path.Elements.Count];
                for (var i = 0; i < keys.Length; i++)
                {
                    keys[i] = path.Elements[i].Encoded;
                }

                ordered.Add(keys);
            }
        }

        ordered.Sort(CompareKeys);
        writer.WriteStartObject();
        var open = new List<(bool Member, bool HasChildren)> { (false, false) }; // the objects along the last path
        string[] last = [];
        foreach (var keys in ordered)
        {
            var common = 0;
            while (common < last.Length && common < keys.Length && string.Equals(last[common], keys[common], StringComparison.Ordinal))
            {
                common++;
            }

            while (open.Count > common + 1)
            {
                writer.WriteEndObject();
                open.RemoveAt(open.Count - 1);
            }

            for (var depth = common; depth < keys.Length; depth++)
            {
                var (parentIsMember, parentHasChildren) = open[^1];
                if (parentIsMember && !parentHasChildren)
                {
                    writer.WritePropertyName(".");
                    writer.WriteStartObject();
                    writer.WriteEndObject();
                }

                open[^1] = (parentIsMember, true);
                writer.WritePropertyName(keys[depth]);
                writer.WriteStartObject();
                open.Add((depth == keys.Length - 1, false));
            }

            last = keys;
        }

        for (var i = open.Count; i > 0; i--)
        {
            writer.WriteEndObject();
        }
    }

    private static int CompareKeys(string[] a, string[] b)
    {
        for (var i = 0; i < a.Length && i < b.Length; i++)
        {
            var order = string.CompareOrdinal(a[i], b[i]);
            if (order != 0)
            {
                return order;
            }
        }

        return a.Length.CompareTo(b.Length);
    }

    public static FieldSet FromFieldsV1(JsonNode? fieldsV1)
    {
        var set = new FieldSet();
        if (fieldsV1 is JsonObject root && Collect(root, FieldPath.Root, set))
        {
            set._canonicalSource = root;
        }

        return set;
    }

    /// <summary>Whether any path of <paramref name="paths"/> is in the set.</summary>
    public bool Overlaps(IReadOnlyList<FieldPath> paths)
    {
        for (var i = 0; i < paths.Count; i++)
        {
            if (_paths.Contains(paths[i]))
            {
                return true;
            }
        }

        return false;
    }

    // Adds the paths under node; true when node is written as ToFieldsV1 would write it.
    private static bool Collect(JsonObject node, FieldPath path, FieldSet set)
    {
        var canonical = true;
        string? previous = null;
        foreach (var (key, value) in node)
        {
            canonical &= previous is null || string.CompareOrdinal(previous, key) < 0;
            previous = key;
            if (key == ".")
            {
                canonical &= node.Count > 1 && value is JsonObject { Count: 0 };
                set._paths.Add(path);
                continue;
            }

            var element = PathElement.Decode(key);
            canonical &= string.Equals(element.Encoded, key, StringComparison.Ordinal);
            var childPath = path.Append(element);
            if (value is JsonObject child && child.Count > 0)
            {
                canonical &= Collect(child, childPath, set);
            }
            else
            {
                canonical &= value is JsonObject;
                set._paths.Add(childPath);
            }
        }

        return canonical;
    }
}
