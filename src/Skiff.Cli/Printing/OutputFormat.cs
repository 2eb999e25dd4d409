using Skiff.Api.Json;
using System.Text.Json.Nodes;

namespace Skiff.Cli.Printing;

public enum OutputKind
{
    Table,
    Wide,
    Json,
    Yaml,
    Name,
    JsonPath,
}

/// <summary>The <c>-o</c> flag: <c>wide|json|yaml|name|jsonpath=TEMPLATE</c>.</summary>
public sealed record OutputFormat(OutputKind Kind, JsonPath? Template = null)
{
    /// <summary><c>--show-managed-fields</c>: like kubectl, documents omit <c>metadata.managedFields</c> unless asked.</summary>
    public bool ShowManagedFields { get; init; }

    public bool IsHuman => Kind is OutputKind.Table or OutputKind.Wide;

    public static OutputFormat Parse(string? value)
    {
        if (string.IsNullOrEmpty(value))
        {
            return new OutputFormat(OutputKind.Table);
        }

        var eq = value.IndexOf('=', StringComparison.Ordinal);
        var name = eq < 0 ? value : value[..eq];
        return name switch
        {
            "wide" when eq < 0 => new OutputFormat(OutputKind.Wide),
            "json" when eq < 0 => new OutputFormat(OutputKind.Json),
            "yaml" when eq < 0 => new OutputFormat(OutputKind.Yaml),
            "name" when eq < 0 => new OutputFormat(OutputKind.Name),
            "jsonpath" when eq > 0 => new OutputFormat(OutputKind.JsonPath, JsonPath.Parse(value[(eq + 1)..])),
            _ => throw new CliException(
                $"unable to match a printer suitable for the output format \"{value}\", allowed formats are: json,jsonpath,name,wide,yaml"),
        };
    }

    /// <summary>Renders an object (or a List) in this non-table format.</summary>
    public string Render(JsonNode obj)
    {
        if (!ShowManagedFields)
        {
            obj = OmitManagedFields(obj);
        }

        return Kind switch
        {
            OutputKind.Json => GoJson.Indented(obj) + "\n",
            OutputKind.Yaml => GoYaml.Serialize(obj),
            OutputKind.JsonPath => Template!.Execute(obj),
            _ => throw new InvalidOperationException($"{Kind} is not a document format"),
        };
    }

    /// <summary>A copy without managedFields, in the object itself or in each item of a List.</summary>
    private static JsonNode OmitManagedFields(JsonNode obj)
    {
        var copy = obj.DeepClone();
        if (copy is JsonObject o)
        {
            (o["metadata"] as JsonObject)?.Remove("managedFields");
            if (o["items"] is JsonArray items)
            {
                foreach (var item in items)
                {
                    (item?["metadata"] as JsonObject)?.Remove("managedFields");
                }
            }
        }

        return copy;
    }
}
