namespace Skiff.Streaming.Channels;

/// <summary>
/// The runtime end of an exec or attach: where stdin and resize events go and where output comes from. The kubelet
/// gets one from the CRI streaming server; tests use in-memory ones.
/// </summary>
public interface IRemoteCommandSession : IAsyncDisposable
{
    Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken);

    /// <summary>Ends stdin (the process sees EOF) while output keeps flowing.</summary>
    Task CloseStdinAsync(CancellationToken cancellationToken);

    /// <summary>Sends one terminal size event, the JSON <c>{"Width":w,"Height":h}</c> as the client wrote it.</summary>
    Task ResizeAsync(ReadOnlyMemory<byte> json, CancellationToken cancellationToken);

    /// <summary>
    /// Output in arrival order: stdout and stderr chunks, then at most one <see cref="StreamChannel.Error"/> event
    /// carrying the status JSON. The sequence ends when the command finished and all output was delivered.
    /// </summary>
    IAsyncEnumerable<RemoteCommandOutput> ReadOutputAsync(CancellationToken cancellationToken);
}

/// <summary>One piece of output: <see cref="Channel"/> is stdout (1), stderr (2) or error/status (3).</summary>
public readonly record struct RemoteCommandOutput(byte Channel, ReadOnlyMemory<byte> Data);
