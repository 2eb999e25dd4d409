using Skiff.Api.Text;
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
public static class ManifestReader
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
            if (YamlToJson.ToJson(document.RootNode) is not JsonObject obj)
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
}
