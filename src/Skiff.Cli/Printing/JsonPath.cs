using Skiff.Api.Json;
using System.Globalization;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.Cli.Printing;

/// <summary>
/// kubectl's JSONPath templates (<c>-o jsonpath=...</c>): text with <c>{...}</c> actions holding paths
/// (<c>.a.b</c>, <c>[0]</c>, <c>[*]</c>, <c>[1:3]</c>, <c>['k']</c>, <c>..name</c>, <c>[?(@.type=="Ready")]</c>),
/// string literals (<c>{"\n"}</c>) and <c>{range ...}...{end}</c>. Several results of one action are joined by
/// a space; strings print raw, objects and arrays as compact JSON; missing keys print nothing.
/// </summary>
public sealed class JsonPath
{
    private readonly List<Segment> _segments;

    private JsonPath(List<Segment> segments) => _segments = segments;

    private abstract record Segment;

    private sealed record TextSegment(string Text) : Segment;

    private sealed record PathSegment(IReadOnlyList<Step> Steps) : Segment;

    private sealed record RangeSegment(IReadOnlyList<Step> Steps, IReadOnlyList<Segment> Body) : Segment;

    private abstract record Step;

    private sealed record FieldStep(string Name) : Step;

    private sealed record RecursiveStep(string Name) : Step;

    private sealed record IndexStep(int? Start, int? End, bool IsSlice) : Step;

    private sealed record FilterStep(IReadOnlyList<Step> Left, string? Op, IReadOnlyList<Step>? RightPath, JsonNode? RightValue) : Step;

    public static JsonPath Parse(string template)
    {
        ArgumentNullException.ThrowIfNull(template);
        var position = 0;
        var segments = ParseSegments(template, ref position, inRange: false);
        return new JsonPath(segments);
    }

    public string Execute(JsonNode? root)
    {
        var text = new StringBuilder();
        Run(_segments, root, root, text);
        return text.ToString();
    }

    private static List<Segment> ParseSegments(string template, ref int position, bool inRange)
    {
        var segments = new List<Segment>();
        var literal = new StringBuilder();
        while (position < template.Length)
        {
            var c = template[position];
            if (c != '{')
            {
                literal.Append(c);
                position++;
                continue;
            }

            var close = FindClose(template, position);
            var action = template[(position + 1)..close].Trim();
            position = close + 1;
            if (literal.Length > 0)
            {
                segments.Add(new TextSegment(literal.ToString()));
                literal.Clear();
            }

            if (action == "end")
            {
                if (!inRange)
                {
                    throw new CliException("error parsing jsonpath " + template + ", not in range, nothing to end");
                }

                return segments;
            }

            if (action.StartsWith("range ", StringComparison.Ordinal))
            {
                var steps = ParsePath(action[6..].Trim());
                var body = ParseSegments(template, ref position, inRange: true);
                segments.Add(new RangeSegment(steps, body));
                continue;
            }

            if (action.Length >= 2 && action[0] == '"' && action[^1] == '"')
            {
                segments.Add(new TextSegment(Unquote(action)));
                continue;
            }

            segments.Add(new PathSegment(ParsePath(action)));
        }

        if (inRange)
        {
            throw new CliException("error parsing jsonpath " + template + ", unclosed range");
        }

        if (literal.Length > 0)
        {
            segments.Add(new TextSegment(literal.ToString()));
        }

        return segments;
    }

    private static int FindClose(string template, int open)
    {
        var quote = '\0';
        for (var i = open + 1; i < template.Length; i++)
        {
            var c = template[i];
            if (quote != '\0')
            {
                if (c == '\\')
                {
                    i++;
                }
                else if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '}')
            {
                return i;
            }
        }

        throw new CliException($"error parsing jsonpath {template}, unclosed action");
    }

    private static string Unquote(string quoted)
    {
        var body = quoted[1..^1];
        var text = new StringBuilder();
        for (var i = 0; i < body.Length; i++)
        {
            if (body[i] == '\\' && i + 1 < body.Length)
            {
                i++;
                text.Append(body[i] switch { 'n' => '\n', 't' => '\t', 'r' => '\r', var other => other });
            }
            else
            {
                text.Append(body[i]);
            }
        }

        return text.ToString();
    }

    private static List<Step> ParsePath(string path)
    {
        var steps = new List<Step>();
        var i = 0;
        if (i < path.Length && path[i] is '$' or '@')
        {
            i++;
        }

        while (i < path.Length)
        {
            if (path[i] == '.')
            {
                var recursive = i + 1 < path.Length && path[i + 1] == '.';
                i += recursive ? 2 : 1;
                var start = i;
                while (i < path.Length && path[i] is not '.' and not '[')
                {
                    i++;
                }

                var name = path[start..i];
                if (recursive)
                {
                    steps.Add(new RecursiveStep(name));
                }
                else if (name.Length > 0)
                {
                    steps.Add(new FieldStep(name));
                }
            }
            else if (path[i] == '[')
            {
                var close = MatchingBracket(path, i);
                steps.Add(ParseBracket(path[(i + 1)..close].Trim()));
                i = close + 1;
            }
            else
            {
                // A bare name at the start, as in {metadata.name}: kubectl treats it like .metadata.name.
                var start = i;
                while (i < path.Length && path[i] is not '.' and not '[')
                {
                    i++;
                }

                steps.Add(new FieldStep(path[start..i]));
            }
        }

        return steps;
    }

    private static int MatchingBracket(string path, int open)
    {
        var depth = 0;
        var quote = '\0';
        for (var i = open; i < path.Length; i++)
        {
            var c = path[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (c == '[')
            {
                depth++;
            }
            else if (c == ']' && --depth == 0)
            {
                return i;
            }
        }

        throw new CliException($"unterminated array in {path}");
    }

    private static Step ParseBracket(string content)
    {
        if (content == "*")
        {
            return new IndexStep(null, null, IsSlice: true);
        }

        if (content.Length >= 2 && content[0] is '\'' or '"' && content[^1] == content[0])
        {
            return new FieldStep(content[1..^1]);
        }

        if (content.StartsWith("?(", StringComparison.Ordinal) && content.EndsWith(')'))
        {
            return ParseFilter(content[2..^1].Trim());
        }

        if (content.Contains(':', StringComparison.Ordinal))
        {
            var parts = content.Split(':');
            return new IndexStep(ParseInt(parts[0]), ParseInt(parts[1]), IsSlice: true);
        }

        return new IndexStep(ParseInt(content) ?? throw new CliException($"invalid array index {content}"), null, IsSlice: false);
    }

    private static int? ParseInt(string s) =>
        string.IsNullOrWhiteSpace(s) ? null : int.Parse(s.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture);

    private static FilterStep ParseFilter(string condition)
    {
        foreach (var op in new[] { "==", "!=", "<=", ">=", "<", ">" })
        {
            var at = IndexOutsideQuotes(condition, op);
            if (at < 0)
            {
                continue;
            }

            var left = ParsePath(condition[..at].Trim());
            var right = condition[(at + op.Length)..].Trim();
            if (right.StartsWith('@') || right.StartsWith('$'))
            {
                return new FilterStep(left, op, ParsePath(right), null);
            }

            JsonNode? value = right.Length >= 2 && right[0] is '\'' or '"'
                ? JsonValue.Create(right[1..^1])
                : JsonNode.Parse(right);
            return new FilterStep(left, op, null, value);
        }

        return new FilterStep(ParsePath(condition), null, null, null);
    }

    private static int IndexOutsideQuotes(string s, string token)
    {
        var quote = '\0';
        for (var i = 0; i <= s.Length - token.Length; i++)
        {
            var c = s[i];
            if (quote != '\0')
            {
                if (c == quote)
                {
                    quote = '\0';
                }
            }
            else if (c is '"' or '\'')
            {
                quote = c;
            }
            else if (string.CompareOrdinal(s, i, token, 0, token.Length) == 0)
            {
                return i;
            }
        }

        return -1;
    }

    private static void Run(IReadOnlyList<Segment> segments, JsonNode? root, JsonNode? current, StringBuilder text)
    {
        foreach (var segment in segments)
        {
            switch (segment)
            {
                case TextSegment t:
                    text.Append(t.Text);
                    break;
                case PathSegment p:
                    text.AppendJoin(' ', Evaluate(p.Steps, root, current).Select(Format));
                    break;
                case RangeSegment r:
                    foreach (var item in Evaluate(r.Steps, root, current))
                    {
                        Run(r.Body, root, item, text);
                    }

                    break;
            }
        }
    }

    private static string Format(JsonNode? node) => node switch
    {
        null => "null",
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v => v.ToJsonString(),
        _ => GoJson.Compact(node),
    };

    private static List<JsonNode?> Evaluate(IReadOnlyList<Step> steps, JsonNode? root, JsonNode? current)
    {
        List<JsonNode?> nodes = [current];
        foreach (var step in steps)
        {
            var next = new List<JsonNode?>();
            foreach (var node in nodes)
            {
                Apply(step, node, root, next);
            }

            nodes = next;
        }

        return nodes;
    }

    private static void Apply(Step step, JsonNode? node, JsonNode? root, List<JsonNode?> output)
    {
        switch (step)
        {
            case FieldStep { Name: "*" }:
                if (node is JsonObject all)
                {
                    output.AddRange(all.OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => p.Value));
                }
                else if (node is JsonArray items)
                {
                    output.AddRange(items);
                }

                break;
            case FieldStep field:
                if (node is JsonObject obj && obj.TryGetPropertyValue(field.Name, out var value))
                {
                    output.Add(value);
                }

                break;
            case RecursiveStep recursive:
                Descend(node, recursive.Name, output);
                break;
            case IndexStep index when node is JsonArray array:
                if (!index.IsSlice)
                {
                    var at = index.Start!.Value < 0 ? array.Count + index.Start.Value : index.Start.Value;
                    if (at < 0 || at >= array.Count)
                    {
                        throw new CliException($"array index out of bounds: index {index.Start}, length {array.Count}");
                    }

                    output.Add(array[at]);
                    break;
                }

                var start = Clamp(index.Start ?? 0, array.Count);
                var end = Clamp(index.End ?? array.Count, array.Count);
                for (var i = start; i < end; i++)
                {
                    output.Add(array[i]);
                }

                break;
            case FilterStep filter when node is JsonArray candidates:
                output.AddRange(candidates.Where(item => Matches(filter, root, item)));
                break;
        }
    }

    private static int Clamp(int index, int count) => Math.Clamp(index < 0 ? count + index : index, 0, count);

    private static void Descend(JsonNode? node, string name, List<JsonNode?> output)
    {
        if (node is JsonObject obj)
        {
            foreach (var (key, value) in obj.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (key == name || name == "*")
                {
                    output.Add(value);
                }

                Descend(value, name, output);
            }
        }
        else if (node is JsonArray array)
        {
            foreach (var item in array)
            {
                Descend(item, name, output);
            }
        }
    }

    private static bool Matches(FilterStep filter, JsonNode? root, JsonNode? item)
    {
        var left = Evaluate(filter.Left, root, item);
        if (filter.Op is null)
        {
            return left.Count > 0 && left[0] is not null;
        }

        if (left.Count == 0)
        {
            return false;
        }

        var right = filter.RightPath is not null ? Evaluate(filter.RightPath, root, item).FirstOrDefault() : filter.RightValue;
        var comparison = Compare(left[0], right);
        return filter.Op switch
        {
            "==" => comparison == 0,
            "!=" => comparison != 0,
            "<" => comparison is < 0 and not int.MinValue,
            ">" => comparison is > 0 and not int.MaxValue,
            "<=" => comparison is <= 0 and not int.MinValue,
            ">=" => comparison is >= 0 and not int.MaxValue,
            _ => false,
        };
    }

    /// <summary>Compares two values; int.MinValue/MaxValue mean "not comparable" for ordering operators.</summary>
    private static int Compare(JsonNode? a, JsonNode? b)
    {
        if (a is JsonValue va && b is JsonValue vb)
        {
            if (va.GetValueKind() == JsonValueKind.Number && vb.GetValueKind() == JsonValueKind.Number)
            {
                return va.GetValue<double>().CompareTo(vb.GetValue<double>());
            }

            if (va.GetValueKind() == JsonValueKind.String && vb.GetValueKind() == JsonValueKind.String)
            {
                return string.CompareOrdinal(va.GetValue<string>(), vb.GetValue<string>());
            }
        }

        return JsonNode.DeepEquals(a, b) ? 0 : int.MaxValue;
    }
}
