using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// Reads an <c>application/apply-patch+yaml</c> body: JSON (what kubectl sends) or YAML, resolved as the API server's
/// YAML library does (YAML 1.1 plain scalars: <c>true</c>/<c>yes</c>/<c>on</c> are booleans, <c>~</c> and <c>null</c>
/// are null, numbers are numbers; quoted scalars are strings). A body that is not one object is a 400.
/// </summary>
public static class ApplyBody
{
    private static readonly HashSet<string> True = ["y", "Y", "yes", "Yes", "YES", "true", "True", "TRUE", "on", "On", "ON"];
    private static readonly HashSet<string> False = ["n", "N", "no", "No", "NO", "false", "False", "FALSE", "off", "Off", "OFF"];
    private static readonly HashSet<string> Null = ["", "~", "null", "Null", "NULL"];

    public static JsonObject Parse(ReadOnlySpan<byte> body)
    {
        var text = Encoding.UTF8.GetString(body);
        if (text.TrimStart().StartsWith('{'))
        {
            try
            {
                return JsonNode.Parse(text) as JsonObject ?? throw PatchException.BadRequest("error decoding YAML: the body is not an object");
            }
            catch (JsonException e)
            {
                throw PatchException.BadRequest($"error decoding YAML: {e.Message}");
            }
        }

        var stream = new YamlStream();
        try
        {
            stream.Load(new StringReader(text));
        }
        catch (YamlException e)
        {
            throw PatchException.BadRequest($"error decoding YAML: {e.Message}");
        }

        if (stream.Documents.Count != 1 || ToJson(stream.Documents[0].RootNode) is not JsonObject obj)
        {
            throw PatchException.BadRequest("error decoding YAML: the body must be exactly one object");
        }

        return obj;
    }

    private static JsonNode? ToJson(YamlNode node) => node switch
    {
        YamlMappingNode map => ToObject(map),
        YamlSequenceNode list => new JsonArray(list.Children.Select(ToJson).ToArray()),
        YamlScalarNode scalar => Scalar(scalar),
        _ => throw PatchException.BadRequest("error decoding YAML: unsupported node"),
    };

    private static JsonObject ToObject(YamlMappingNode map)
    {
        var obj = new JsonObject();
        foreach (var (key, value) in map.Children)
        {
            var name = key is YamlScalarNode scalar ? scalar.Value ?? "" : throw PatchException.BadRequest("error decoding YAML: map keys must be strings");
            obj[name] = ToJson(value);
        }

        return obj;
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var value = scalar.Value ?? "";
        if (scalar.Style is ScalarStyle.SingleQuoted or ScalarStyle.DoubleQuoted or ScalarStyle.Literal or ScalarStyle.Folded)
        {
            return JsonValue.Create(value);
        }

        if (Null.Contains(value))
        {
            return null;
        }

        if (True.Contains(value) || False.Contains(value))
        {
            return JsonValue.Create(True.Contains(value));
        }

        if (long.TryParse(value, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if (value.Any(char.IsAsciiDigit) && double.TryParse(value, NumberStyles.Float, CultureInfo.InvariantCulture, out var number))
        {
            return JsonValue.Create(number);
        }

        return JsonValue.Create(value);
    }
}
