using System.Text;

namespace Skiff.Cli.Printing;

/// <summary>
/// Go's text/tabwriter (left-aligned, space padding) as kubectl uses it: cells end at a tab, and a column is aligned
/// over each block of consecutive lines that have a cell in it; the text after a line's last tab is not aligned.
/// kubectl describe uses minwidth 0, padding 2; kubectl's tables minwidth 6, padding 3 with kubectl's
/// <c>RememberWidths</c> flag, under which a column never gets narrower across flushes (so watch output stays
/// aligned with its header).
/// </summary>
public sealed class GoTabWriter
{
    private readonly int _minWidth;
    private readonly int _padding;
    private readonly bool _rememberWidths;
    private readonly List<int> _maxWidths = [];
    private readonly StringBuilder _pending = new();
    private readonly StringBuilder _output = new();

    public GoTabWriter(int minWidth, int padding, bool rememberWidths = false)
    {
        _minWidth = minWidth;
        _padding = padding;
        _rememberWidths = rememberWidths;
    }

    /// <summary>The formatted text so far, which is then forgotten (for writers that stream).</summary>
    public string TakeOutput()
    {
        var text = _output.ToString();
        _output.Clear();
        return text;
    }

    public void Write(string text) => _pending.Append(text);

    /// <summary>Formats everything written so far (kubectl flushes before the events table).</summary>
    public void Flush()
    {
        var text = _pending.ToString();
        _pending.Clear();
        if (text.Length == 0)
        {
            return;
        }

        var endsWithNewLine = text.EndsWith('\n');
        var rawLines = (endsWithNewLine ? text[..^1] : text).Split('\n');
        var lines = rawLines.Select(l => l.Split('\t')).ToList();
        var widths = new List<int>();
        Format(lines, widths, 0, lines.Count);
        if (endsWithNewLine)
        {
            _output.Append('\n');
        }
    }

    public override string ToString()
    {
        Flush();
        return _output.ToString();
    }

    private void Format(List<string[]> lines, List<int> widths, int line0, int line1)
    {
        var column = widths.Count;
        for (var current = line0; current < line1; current++)
        {
            if (column >= lines[current].Length - 1)
            {
                continue;
            }

            WriteLines(lines, widths, line0, current);
            line0 = current;
            var width = _minWidth;
            for (; current < line1; current++)
            {
                var line = lines[current];
                if (column >= line.Length - 1)
                {
                    break;
                }

                width = Math.Max(width, line[column].Length + _padding);
            }

            if (_rememberWidths)
            {
                if (column < _maxWidths.Count)
                {
                    width = Math.Max(width, _maxWidths[column]);
                    _maxWidths[column] = width;
                }
                else
                {
                    _maxWidths.Add(width);
                }
            }

            widths.Add(width);
            Format(lines, widths, line0, current);
            widths.RemoveAt(widths.Count - 1);
            line0 = current;
            current--;
        }

        WriteLines(lines, widths, line0, line1);
    }

    private void WriteLines(List<string[]> lines, List<int> widths, int line0, int line1)
    {
        for (var i = line0; i < line1; i++)
        {
            var line = lines[i];
            for (var j = 0; j < line.Length; j++)
            {
                _output.Append(line[j]);
                if (j < widths.Count)
                {
                    _output.Append(' ', Math.Max(0, widths[j] - line[j].Length));
                }
            }

            if (i < lines.Count - 1)
            {
                _output.Append('\n');
            }
        }
    }
}
