using System.Reflection;
using System.Text;
using System.Xml;

namespace Skiff.Apimachinery.OpenApi;

/// <summary>
/// The descriptions of the KubernetesClient models, read from the XML documentation file the NuGet package ships
/// next to its dll (the upstream API field docs), so <c>kubectl explain</c> prints real text. Only
/// <c>k8s.Models</c> members are kept.
/// </summary>
public sealed class KubernetesClientDocs
{
    private const string ModelsPrefix = "k8s.Models.";
    private readonly Dictionary<string, string> _summaries;

    private KubernetesClientDocs(Dictionary<string, string> summaries) => _summaries = summaries;

    /// <summary>No descriptions (when the XML file cannot be found).</summary>
    public static KubernetesClientDocs Empty { get; } = new([]);

    /// <summary>How many members have a description.</summary>
    public int Count => _summaries.Count;

    /// <summary>The description of a model type, e.g. <c>Pod is a collection of containers ...</c>.</summary>
    public string? ForType(Type type) => _summaries.GetValueOrDefault("T:" + type.FullName);

    /// <summary>The description of a model property.</summary>
    public string? ForProperty(PropertyInfo property) =>
        _summaries.GetValueOrDefault("P:" + property.DeclaringType?.FullName + "." + property.Name);

    /// <summary>
    /// Loads the docs from <paramref name="path"/> when given, else from <c>KubernetesClient.xml</c> next to the
    /// KubernetesClient assembly (set <c>CopyDocumentationFilesFromPackages</c> in the executable's project), else from
    /// the NuGet package cache (<c>NUGET_PACKAGES</c> or <c>~/.nuget/packages</c>). <see cref="Empty"/> when none exists.
    /// </summary>
    public static KubernetesClientDocs Load(string? path = null)
    {
        var file = path ?? Candidates().FirstOrDefault(File.Exists);
        if (file is null || !File.Exists(file))
        {
            return Empty;
        }

        using var stream = File.OpenRead(file);
        return Parse(stream);
    }

    /// <summary>Parses an XML documentation file.</summary>
    public static KubernetesClientDocs Parse(Stream xml)
    {
        var summaries = new Dictionary<string, string>(StringComparer.Ordinal);
        using var reader = XmlReader.Create(xml, new XmlReaderSettings { IgnoreComments = true, DtdProcessing = DtdProcessing.Prohibit });
        string? member = null;
        while (reader.Read())
        {
            if (reader.NodeType != XmlNodeType.Element)
            {
                continue;
            }

            if (reader.Name == "member")
            {
                var name = reader.GetAttribute("name");
                member = name is not null && name.Length > 2 && name.AsSpan(2).StartsWith(ModelsPrefix, StringComparison.Ordinal) ? name : null;
            }
            else if (reader.Name == "summary" && member is not null)
            {
                // Summaries may hold <see/> or <para> elements; their text content is what counts.
                var text = Normalize(((System.Xml.Linq.XElement)System.Xml.Linq.XNode.ReadFrom(reader)).Value);
                if (text.Length > 0)
                {
                    summaries[member] = text;
                }

                member = null;
            }
        }

        return new KubernetesClientDocs(summaries);
    }

    /// <summary>The XML wraps the upstream text at ~80 columns: join wrapped lines, keep blank-line paragraphs.</summary>
    private static string Normalize(string text)
    {
        var paragraphs = text.Replace("\r", "", StringComparison.Ordinal).Split("\n\n");
        var builder = new StringBuilder();
        foreach (var paragraph in paragraphs)
        {
            var joined = string.Join(' ', paragraph.Split('\n', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries));
            if (joined.Length == 0)
            {
                continue;
            }

            if (builder.Length > 0)
            {
                builder.Append("\n\n");
            }

            builder.Append(joined);
        }

        return builder.ToString();
    }

    private static IEnumerable<string> Candidates()
    {
        var assembly = typeof(k8s.Models.V1Pod).Assembly;
        if (!string.IsNullOrEmpty(assembly.Location))
        {
            yield return Path.ChangeExtension(assembly.Location, ".xml");
        }

        var version = assembly.GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion.Split('+')[0];
        if (version is null)
        {
            yield break;
        }

        var roots = new List<string>();
        if (Environment.GetEnvironmentVariable("NUGET_PACKAGES") is { Length: > 0 } nugetPackages)
        {
            roots.Add(nugetPackages);
        }

        roots.Add(Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.UserProfile), ".nuget", "packages"));
        foreach (var root in roots)
        {
            var lib = Path.Combine(root, "kubernetesclient", version, "lib");
            foreach (var framework in new[] { "net10.0", "net9.0", "net8.0" })
            {
                yield return Path.Combine(lib, framework, "KubernetesClient.xml");
            }
        }
    }
}
