using System.Text;

namespace Skiff.Cli.Printing;

/// <summary>
/// The column alignment of kubectl's tables (Go's text/tabwriter with minwidth 6, padding 3, spaces, and
/// RememberWidths): every cell but the last of a line is padded to the widest cell of its column plus 3 spaces.
/// Widths are remembered across flushes so watch output stays aligned with the header.
/// </summary>
public sealed class TabWriter
{
    private const int MinWidth = 6;
    private const int Padding = 3;
    private readonly TextWriter _output;
    private readonly List<string[]> _lines = [];
    private readonly List<int> _widths = [];

    public TabWriter(TextWriter output) => _output = output;

    public void AddRow(IReadOnlyList<string> cells) => _lines.Add([.. cells]);

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        foreach (var line in _lines)
        {
            for (var i = 0; i < line.Length - 1; i++)
            {
                var width = Math.Max(MinWidth, line[i].Length + Padding);
                if (i >= _widths.Count)
                {
                    _widths.Add(width);
                }
                else if (_widths[i] < width)
                {
                    _widths[i] = width;
                }
            }
        }

        var text = new StringBuilder();
        foreach (var line in _lines)
        {
            for (var i = 0; i < line.Length; i++)
            {
                text.Append(line[i]);
                if (i < line.Length - 1)
                {
                    text.Append(' ', _widths[i] - line[i].Length);
                }
            }

            text.Append('\n');
        }

        _lines.Clear();
        await _output.WriteAsync(text.ToString().AsMemory(), cancellationToken);
        await _output.FlushAsync(cancellationToken);
    }
}
