using System.Globalization;
using System.Text.Json.Nodes;
using YamlDotNet.Core;
using YamlDotNet.RepresentationModel;

namespace Skiff.ApiServer.Http;

/// <summary>Converts a YAML document to JSON with YAML 1.2 core-schema scalars (plain <c>3</c> is a number,
/// <c>true</c> a boolean, <c>null</c>/<c>~</c> null; quoted scalars stay strings).</summary>
public static class YamlToJson
{
    public static byte[] Convert(ReadOnlySpan<byte> yaml)
    {
        var stream = new YamlStream();
        stream.Load(new StringReader(System.Text.Encoding.UTF8.GetString(yaml)));
        if (stream.Documents.Count == 0)
        {
            throw new FormatException("empty YAML document");
        }

        var node = ToNode(stream.Documents[0].RootNode);
        return System.Text.Encoding.UTF8.GetBytes(node?.ToJsonString() ?? "null");
    }

    private static JsonNode? ToNode(YamlNode node)
    {
        switch (node)
        {
            case YamlMappingNode map:
                var obj = new JsonObject();
                foreach (var (key, value) in map.Children)
                {
                    obj[((YamlScalarNode)key).Value ?? string.Empty] = ToNode(value);
                }

                return obj;
            case YamlSequenceNode seq:
                var array = new JsonArray();
                foreach (var item in seq.Children)
                {
                    array.Add(ToNode(item));
                }

                return array;
            case YamlScalarNode scalar:
                return Scalar(scalar);
            default:
                throw new FormatException("unsupported YAML node");
        }
    }

    private static JsonNode? Scalar(YamlScalarNode scalar)
    {
        var text = scalar.Value ?? string.Empty;
        if (scalar.Style != ScalarStyle.Plain)
        {
            return JsonValue.Create(text);
        }

        switch (text)
        {
            case "" or "~" or "null" or "Null" or "NULL":
                return null;
            case "true" or "True" or "TRUE":
                return JsonValue.Create(true);
            case "false" or "False" or "FALSE":
                return JsonValue.Create(false);
        }

        if (long.TryParse(text, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var integer))
        {
            return JsonValue.Create(integer);
        }

        if ((char.IsDigit(text[0]) || text[0] is '-' or '+' or '.') &&
            double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var real) && double.IsFinite(real))
        {
            return JsonValue.Create(real);
        }

        return JsonValue.Create(text);
    }
}
