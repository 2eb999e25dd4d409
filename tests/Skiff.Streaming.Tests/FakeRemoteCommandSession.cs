using System.Runtime.CompilerServices;
using System.Text;
using System.Threading.Channels;
using Skiff.Streaming.Channels;

namespace Skiff.Streaming.Tests;

/// <summary>The runtime end of an exec in memory: records stdin, its close and resizes; output is fed by the test.</summary>
internal sealed class FakeRemoteCommandSession : IRemoteCommandSession
{
    private readonly StringBuilder _stdin = new();

    public Channel<RemoteCommandOutput> Output { get; } = Channel.CreateUnbounded<RemoteCommandOutput>();

    public TaskCompletionSource<string> StdinClosed { get; } = new(TaskCreationOptions.RunContinuationsAsynchronously);

    public List<string> Resizes { get; } = [];

    public Task WriteStdinAsync(ReadOnlyMemory<byte> data, CancellationToken cancellationToken)
    {
        _stdin.Append(Encoding.UTF8.GetString(data.Span));
        return Task.CompletedTask;
    }

    public Task CloseStdinAsync(CancellationToken cancellationToken)
    {
        StdinClosed.TrySetResult(_stdin.ToString());
        return Task.CompletedTask;
    }

    public Task ResizeAsync(ReadOnlyMemory<byte> json, CancellationToken cancellationToken)
    {
        Resizes.Add(Encoding.UTF8.GetString(json.Span));
        return Task.CompletedTask;
    }

    public async IAsyncEnumerable<RemoteCommandOutput> ReadOutputAsync([EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var item in Output.Reader.ReadAllAsync(cancellationToken))
        {
            yield return item;
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
