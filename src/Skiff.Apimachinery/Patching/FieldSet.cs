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

    public FieldSet(IEnumerable<FieldPath>? paths = null) => _paths = [.. paths ?? []];

    public IReadOnlyCollection<FieldPath> Paths => _paths;

    public bool IsEmpty => _paths.Count == 0;

    public void Add(FieldPath path) => _paths.Add(path);

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

    public JsonObject ToFieldsV1()
    {
        var root = new JsonObject();
        foreach (var path in _paths.OrderBy(p => p.Elements.Count))
        {
            var node = root;
            foreach (var element in path.Elements)
            {
                if (node[element.Encoded] is not JsonObject child)
                {
                    child = [];
                    node[element.Encoded] = child;
                }

                node = child;
            }
        }

        // A member that has children gets ".": {}; a member without children is the empty object it already is.
        foreach (var path in _paths.Where(p => p.Elements.Count > 0))
        {
            var node = root;
            foreach (var element in path.Elements)
            {
                node = (JsonObject)node[element.Encoded]!;
            }

            if (node.Count > 0 && !node.ContainsKey("."))
            {
                node["."] = new JsonObject();
            }
        }

        return Sorted(root);
    }

    public static FieldSet FromFieldsV1(JsonNode? fieldsV1)
    {
        var set = new FieldSet();
        if (fieldsV1 is JsonObject root)
        {
            Collect(root, FieldPath.Root, set);
        }

        return set;
    }

    private static void Collect(JsonObject node, FieldPath path, FieldSet set)
    {
        foreach (var (key, value) in node)
        {
            if (key == ".")
            {
                set.Add(path);
                continue;
            }

            var childPath = path.Append(PathElement.Decode(key));
            if (value is JsonObject child && child.Count > 0)
            {
                Collect(child, childPath, set);
            }
            else
            {
                set.Add(childPath);
            }
        }
    }

    // Upstream writes FieldsV1 with sorted keys; sorting keeps the output stable for clients that diff it.
    private static JsonObject Sorted(JsonObject node)
    {
        var sorted = new JsonObject();
        foreach (var (key, value) in node.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            sorted[key] = value is JsonObject child ? Sorted(child) : value?.DeepClone();
        }

        return sorted;
    }
}
