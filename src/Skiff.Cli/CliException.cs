namespace Skiff.Cli;

/// <summary>A client-side error kubectl prints as <c>error: message</c> with exit code 1.</summary>
public sealed class CliException : Exception
{
    public CliException(string message)
        : base(message)
    {
    }

    public CliException(string message, Exception inner)
        : base(message, inner)
    {
    }

    public CliException()
    {
    }
}
