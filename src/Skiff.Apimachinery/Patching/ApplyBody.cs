using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Skiff.Apimachinery.Validation;
using YamlDotNet.Core;
using YamlDotNet.Core.Events;

namespace Skiff.Apimachinery.Patching;

/// <summary>
/// Reads an <c>application/apply-patch+yaml</c> body: JSON (what kubectl sends) or YAML, resolved as the API server's
/// YAML library does (YAML 1.1 plain scalars: <c>true</c>/<c>yes</c>/<c>on</c> are booleans, <c>~</c> and <c>null</c>
/// are null, numbers are numbers; quoted scalars are strings). A body that is not one object is a 400. A key given
/// twice keeps its last value, as the API server's non-strict decoding does; <see cref="DuplicateKeys"/> names them.
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
                return TolerantJson.Parse(body) as JsonObject ?? throw PatchException.BadRequest("error decoding YAML: the body is not an object");
            }
            catch (JsonException e)
            {
                throw PatchException.BadRequest($"error decoding YAML: {e.Message}");
            }
        }

        List<JsonNode?> documents;
        try
        {
            documents = new YamlReader(text).ReadDocuments();
        }
        catch (YamlException e)
        {
            throw PatchException.BadRequest($"error decoding YAML: {e.Message}");
        }

        if (documents.Count != 1 || documents[0] is not JsonObject obj)
        {
            throw PatchException.BadRequest("error decoding YAML: the body must be exactly one object");
        }

        return obj;
    }

    /// <summary>
    /// The keys repeated in one mapping of the body (JSON is YAML too), worded as the API server's strict YAML decoding
    /// (go-yaml) words them: <c>line 7: key "image" already set in map</c>, the line being that of the repeated key's
    /// value. Empty when there are none or the body does not parse (<see cref="Parse"/> reports that).
    /// </summary>
    public static IReadOnlyList<string> DuplicateKeys(ReadOnlySpan<byte> body)
    {
        // Most bodies are JSON without repeated keys: a quick JSON check spares the YAML scan.
        if (UnknownFields.FindDuplicates(body) is { Count: 0 } && LooksLikeJson(body))
        {
            return [];
        }

        try
        {
            var reader = new YamlReader(Encoding.UTF8.GetString(body));
            reader.ReadDocuments();
            return reader.Duplicates;
        }
        catch (YamlException)
        {
            return [];
        }
    }

    private static bool LooksLikeJson(ReadOnlySpan<byte> body)
    {
        var trimmed = body.TrimStart(" \t\r\n"u8);
        return trimmed.Length > 0 && trimmed[0] == (byte)'{';
    }

    private static JsonNode? Scalar(Scalar scalar)
    {
        var value = scalar.Value;
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

    /// <summary>Builds JSON nodes from the YAML event stream (anchors and aliases resolved), last key wins.</summary>
    private sealed class YamlReader
    {
        private readonly Parser _parser;
        private readonly Dictionary<string, JsonNode?> _anchors = new(StringComparer.Ordinal);

        public YamlReader(string text) => _parser = new Parser(new StringReader(text));

        public List<string> Duplicates { get; } = [];

        public List<JsonNode?> ReadDocuments()
        {
            var documents = new List<JsonNode?>();
            _parser.Consume<StreamStart>();
            while (_parser.TryConsume<DocumentStart>(out _))
            {
                documents.Add(ReadNode());
                _parser.Consume<DocumentEnd>();
            }

            _parser.Consume<StreamEnd>();
            return documents;
        }

        private JsonNode? ReadNode()
        {
            if (_parser.TryConsume<AnchorAlias>(out var alias))
            {
                return _anchors.TryGetValue(alias.Value.Value, out var target)
                    ? target?.DeepClone()
                    : throw new YamlException(alias.Start, alias.End, $"unknown anchor '{alias.Value.Value}' referenced");
            }

            if (_parser.TryConsume<Scalar>(out var scalar))
            {
                return Remember(scalar.Anchor, ApplyBody.Scalar(scalar));
            }

            if (_parser.TryConsume<SequenceStart>(out var sequence))
            {
                var list = new JsonArray();
                while (!_parser.TryConsume<SequenceEnd>(out _))
                {
                    list.Add(ReadNode());
                }

                return Remember(sequence.Anchor, list);
            }

            var mapping = _parser.Consume<MappingStart>();
            var obj = new JsonObject();
            var keys = new HashSet<string>(StringComparer.Ordinal);
            while (!_parser.TryConsume<MappingEnd>(out _))
            {
                if (!_parser.TryConsume<Scalar>(out var keyScalar))
                {
                    var at = _parser.Current!;
                    throw new YamlException(at.Start, at.End, "map keys must be strings");
                }

                var key = keyScalar.Value;
                var valueStart = _parser.Current!.Start;
                var value = ReadNode();
                if (!keys.Add(key))
                {
                    Duplicates.Add($"line {valueStart.Line.ToString(CultureInfo.InvariantCulture)}: key {GoKey(keyScalar)} already set in map");
                }

                obj[key] = value;
            }

            return Remember(mapping.Anchor, obj);
        }

        private JsonNode? Remember(AnchorName anchor, JsonNode? node)
        {
            if (!anchor.IsEmpty)
            {
                _anchors[anchor.Value] = node?.DeepClone();
            }

            return node;
        }

        // Go's %#v of the decoded key: strings quoted, numbers and booleans bare, null as <nil>.
        private static string GoKey(Scalar key) => ApplyBody.Scalar(key) switch
        {
            null => "<nil>",
            JsonValue v when v.TryGetValue<string>(out var text) => GoFormat.Quote(text),
            var other => other.ToJsonString(),
        };
    }
}
