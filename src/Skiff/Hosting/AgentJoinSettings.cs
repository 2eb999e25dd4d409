namespace Skiff.Hosting;

/// <summary>What <c>skiff agent</c> was asked to run: which server to join, with which token, and the node itself.</summary>
internal sealed record AgentJoinSettings
{
    public required Uri Server { get; init; }

    public required string TokenFile { get; init; }

    public required string DataDirectory { get; init; }

    public required AgentSettings Agent { get; init; }

    public bool Verbose { get; init; }
}
