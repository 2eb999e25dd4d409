using Skiff.Cli.Printing;

namespace Skiff.Cli.Describe;

/// <summary>kubectl's describe PrefixWriter: each level indents by two spaces, into a tab writer (padding 2).</summary>
public sealed class PrefixWriter
{
    private readonly GoTabWriter _writer = new(0, 2);

    public void Write(int level, string text) => _writer.Write(new string(' ', level * 2) + text);

    public void WriteLine(string text) => _writer.Write(text + "\n");

    public void Flush() => _writer.Flush();

    public override string ToString() => _writer.ToString();
}
