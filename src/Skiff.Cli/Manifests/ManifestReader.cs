using System.Globalization;
using System.Text.Json.Nodes;
using System.Text.RegularExpressions;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Skiff.Cli.Manifests;

/// <summary>
/// Reads <c>-f</c> arguments as kubectl does: files, directories (their .yaml/.yml/.json files, sorted), or
/// <c>-</c> for stdin; YAML streams with several documents, JSON, and <c>kind: List</c> expanded into its items.
/// </summary>
public static partial class ManifestReader
{
    private static readonly string[] Extensions = [".yaml", ".yml", ".json"];

    public static async Task<IReadOnlyList<Manifest>> ReadAsync(IReadOnlyList<string> paths, TextReader stdin, bool recursive, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(paths);
        ArgumentNullException.ThrowIfNull(stdin);
        var manifests = new List<Manifest>();
        foreach (var path in paths)
        {
            if (path == "-")
            {
                manifests.AddRange(Parse(await stdin.ReadToEndAsync(cancellationToken), "STDIN"));
            }
            else if (Directory.Exists(path))
            {
                var files = Directory.EnumerateFiles(path, "*", recursive ? SearchOption.AllDirectories : SearchOption.TopDirectoryOnly)
                    .Where(f => Extensions.Contains(Path.GetExtension(f), StringComparer.OrdinalIgnoreCase))
                    .OrderBy(f => f, StringComparer.Ordinal);
                foreach (var file in files)
                {
                    manifests.AddRange(Parse(await File.ReadAllTextAsync(file, cancellationToken), file));
                }
            }
            else if (File.Exists(path))
            {
                manifests.AddRange(Parse(await File.ReadAllTextAsync(path, cancellationToken), path));
            }
            else
            {
                throw new CliException($"the path \"{path}\" does not exist");
            }
        }

        if (manifests.Count == 0)
        {
            throw new CliException("no objects passed to apply");
        }

        return manifests;
    }

    public static IReadOnlyList<Manifest> Parse(string text, string source)
    {
        ArgumentNullException.ThrowIfNull(text);
        var manifests = new List<Manifest>();
        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException ex)
        {
            throw new CliException($"error parsing {source}: {ex.Message}", ex);
        }

        foreach (var document in stream.Documents)
        {
            if (ToJson(document.RootNode) is not JsonObject obj)
            {
                continue;
            }

            Validate(obj, source);
            if ((string?)obj["kind"] == "List" && obj["items"] is JsonArray items)
            {
                foreach (var item in items.OfType<JsonObject>())
                {
                    var copy = item.DeepClone().AsObject();
                    Validate(copy, source);
                    manifests.Add(new Manifest(copy, source));
                }
            }
            else
            {
                manifests.Add(new Manifest(obj, source));
            }
        }

        return manifests;
    }

    private static void Validate(JsonObject obj, string source)
    {
        if (obj["apiVersion"] is null || obj["kind"] is null)
        {
            var missing = obj["apiVersion"] is null ? "apiVersion" : "kind";
            throw new CliException($"error validating \"{source}\": error validating data: {missing} not set");
        }
    }

    /// <summary>Converts a YAML node to JSON, resolving plain scalars as YAML 1.2 core types.</summary>
    public static JsonNode? ToJson(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (key, value) in map.Children)
                {
                    obj[((YamlScalarNode)key).Value ?? string.Empty] = ToJson(value);
                }

                return obj;
            case YamlSequenceNode sequence:
                return new JsonArray([.. sequence.Children.Select(ToJson)]);
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                return null;
        }
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? string.Empty;
        if (scalar.Style is not ScalarStyle.Plain || scalar.Tag == "tag:yaml.org,2002:str")
        {
            return JsonValue.Create(value);
        }

        if (value is "" or "~" or "null" or "Null" or "NULL")
        {
            return null;
        }

        if (value is "true" or "True" or "TRUE")
        {
            return JsonValue.Create(true);
        }

        if (value is "false" or "False" or "FALSE")
        {
            return JsonValue.Create(false);
        }

        if (IntPattern().IsMatch(value) && long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (FloatPattern().IsMatch(value) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var real))
        {
            return JsonValue.Create(real);
        }

        return JsonValue.Create(value);
    }

    [GeneratedRegex(@"^[-+]?[0-9]+$")]
    private static partial Regex IntPattern();

    [GeneratedRegex(@"^[-+]?(\.[0-9]+|[0-9]+(\.[0-9]*)?)([eE][-+]?[0-9]+)?$")]
    private static partial Regex FloatPattern();
}
