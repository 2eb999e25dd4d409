using Skiff.Api.Json;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.Cli.Printing;

namespace Skiff.Cli.Describe;

/// <summary>kubectl's generic describer (used for kinds without their own): every field, sorted, with smart labels.</summary>
public static class GenericDescriber
{
    private static readonly string[] Skipped = [".metadata.name", ".metadata.namespace", ".metadata.labels", ".metadata.annotations"];
    private static readonly string[] Acronyms = ["API", "URL", "UID", "OSB", "GUID"];

    public static string Describe(JsonObject obj, IList<Corev1Event>? events, DateTimeOffset now)
    {
        ArgumentNullException.ThrowIfNull(obj);
        var w = new PrefixWriter();
        var metadata = obj["metadata"] as JsonObject;
        w.Write(0, $"Name:\t{(string?)metadata?["name"]}\n");
        w.Write(0, $"Namespace:\t{(string?)metadata?["namespace"]}\n");
        CommonSections.Labels(w, "Labels", Map(metadata?["labels"]));
        CommonSections.Annotations(w, "Annotations", Map(metadata?["annotations"]));
        Content(w, 0, obj, string.Empty);
        CommonSections.Events(w, events, now);
        return w.ToString();
    }

    private static Dictionary<string, string>? Map(JsonNode? node) =>
        node is JsonObject obj ? obj.ToDictionary(p => p.Key, p => (string?)p.Value ?? string.Empty) : null;

    private static void Content(PrefixWriter w, int level, JsonObject content, string prefix)
    {
        foreach (var (field, value) in content.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            var path = $"{prefix}.{field}";
            if (Skipped.Contains(path))
            {
                continue;
            }

            switch (value)
            {
                case JsonObject child:
                    w.Write(level, $"{SmartLabel(field)}:\n");
                    Content(w, level + 1, child, path);
                    break;
                case JsonArray array:
                    w.Write(level, $"{SmartLabel(field)}:\n");
                    foreach (var item in array)
                    {
                        if (item is JsonObject itemObject)
                        {
                            Content(w, level + 1, itemObject, path);
                        }
                        else
                        {
                            w.Write(level + 1, $"{Scalar(item)}\n");
                        }
                    }

                    break;
                default:
                    w.Write(level, $"{SmartLabel(field)}:\t{Scalar(value)}\n");
                    break;
            }
        }
    }

    private static string Scalar(JsonNode? node) => node switch
    {
        null => "<nil>",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        _ => GoJson.Compact(node),
    };

    /// <summary><c>apiVersion</c> → <c>API Version</c>; names with characters other than letters and '-' stay as they are.</summary>
    internal static string SmartLabel(string field)
    {
        if (field.Any(c => !char.IsLetter(c) && c != '-'))
        {
            return field;
        }

        return string.Join(' ', CamelCaseSplit(field).Select(part =>
            Acronyms.Contains(part.ToUpperInvariant()) ? part.ToUpperInvariant() : char.ToUpperInvariant(part[0]) + part[1..]));
    }

    private static List<string> CamelCaseSplit(string s)
    {
        var parts = new List<string>();
        var current = new StringBuilder();
        for (var i = 0; i < s.Length; i++)
        {
            var c = s[i];
            var boundary = current.Length > 0 && char.IsUpper(c)
                && (char.IsLower(s[i - 1]) || (i + 1 < s.Length && char.IsLower(s[i + 1]) && char.IsUpper(s[i - 1])));
            if (boundary)
            {
                parts.Add(current.ToString());
                current.Clear();
            }

            current.Append(c);
        }

        if (current.Length > 0)
        {
            parts.Add(current.ToString());
        }

        return parts;
    }
}
