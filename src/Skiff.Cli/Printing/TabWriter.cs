namespace Skiff.Cli.Printing;

/// <summary>
/// The rows of kubectl's tables written through <see cref="GoTabWriter"/> with kubectl's table settings (minwidth 6,
/// padding 3, RememberWidths): every cell but the last of a line is padded to the widest cell of its column plus 3
/// spaces, and widths are remembered across flushes so watch output stays aligned with the header.
/// </summary>
public sealed class TabWriter
{
    private readonly TextWriter _output;
    private readonly GoTabWriter _writer = new(6, 3, rememberWidths: true);

    public TabWriter(TextWriter output) => _output = output;

    public void AddRow(IReadOnlyList<string> cells)
    {
        ArgumentNullException.ThrowIfNull(cells);
        _writer.Write(string.Join('\t', cells) + "\n");
    }

    public async Task FlushAsync(CancellationToken cancellationToken)
    {
        _writer.Flush();
        await _output.WriteAsync(_writer.TakeOutput().AsMemory(), cancellationToken);
        await _output.FlushAsync(cancellationToken);
    }
}
