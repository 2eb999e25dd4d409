using Skiff.Api.Json;
using System.Text.Json;
using System.Text.Json.Nodes;

namespace Skiff.Cli.Printing;

/// <summary>How a server Table is printed: wide columns, NAMESPACE column, kind prefix on names, headers.</summary>
public sealed record TableOptions(bool Wide, bool WithNamespace, string? KindPrefix, bool NoHeaders);

/// <summary>
/// Prints <c>meta.k8s.io/v1</c> Table responses as kubectl's human-readable printer does: upper-cased headers,
/// <c>priority &gt; 0</c> columns only with <c>-o wide</c>, a NAMESPACE column for <c>-A</c>, and
/// <c>kind/name</c> in the name column when several kinds are printed.
/// </summary>
public sealed class TablePrinter
{
    private readonly TabWriter _writer;
    private readonly TableOptions _options;
    private List<JsonObject>? _columns;
    private bool _headerPending;

    public TablePrinter(TextWriter output, TableOptions options)
    {
        _writer = new TabWriter(output);
        _options = options;
    }

    /// <summary>
    /// Adds a Table's rows; the first Table's columns are kept for later ones (watch events may omit them).
    /// </summary>
    public void Add(JsonObject table, bool printHeader)
    {
        ArgumentNullException.ThrowIfNull(table);
        if (table["columnDefinitions"] is JsonArray { Count: > 0 } definitions && _columns is null)
        {
            _columns = definitions.OfType<JsonObject>().ToList();
        }

        var columns = _columns ?? [];
        var shown = Enumerable.Range(0, columns.Count).Where(i => _options.Wide || ((int?)columns[i]["priority"] ?? 0) == 0).ToList();
        // The header goes out with the first rows: a watch that starts empty prints it with its first event.
        _headerPending |= printHeader && !_options.NoHeaders;
        if (_headerPending && RowCount(table) > 0)
        {
            _headerPending = false;
            var header = new List<string>();
            if (_options.WithNamespace)
            {
                header.Add("NAMESPACE");
            }

            header.AddRange(shown.Select(i => ((string?)columns[i]["name"] ?? string.Empty).ToUpperInvariant()));
            _writer.AddRow(header);
        }

        foreach (var row in table["rows"]?.AsArray().OfType<JsonObject>() ?? [])
        {
            var cells = row["cells"]?.AsArray() ?? [];
            var line = new List<string>();
            if (_options.WithNamespace)
            {
                line.Add((string?)row["object"]?["metadata"]?["namespace"] ?? string.Empty);
            }

            foreach (var i in shown)
            {
                var text = i < cells.Count ? Cell(cells[i]) : string.Empty;
                if (_options.KindPrefix is not null && (string?)columns[i]["format"] == "name")
                {
                    text = _options.KindPrefix + "/" + text;
                }

                line.Add(text);
            }

            _writer.AddRow(line);
        }
    }

    public Task FlushAsync(CancellationToken cancellationToken) => _writer.FlushAsync(cancellationToken);

    public static int RowCount(JsonObject table) => table["rows"] is JsonArray rows ? rows.Count : 0;

    internal static string Cell(JsonNode? cell) => cell switch
    {
        null => string.Empty,
        JsonValue v when v.GetValueKind() == JsonValueKind.String => v.GetValue<string>(),
        JsonValue v => v.ToJsonString(),
        _ => GoJson.Compact(cell),
    };
}
