namespace Skiff.Bench.Storage;

/// <summary>A loop task and the token that stops it; disposing stops it and waits for it.</summary>
internal sealed class BackgroundLoop(Task loop, CancellationTokenSource stop) : IAsyncDisposable
{
    public async ValueTask DisposeAsync()
    {
        await stop.CancelAsync();
        try
        {
            await loop;
        }
        catch (OperationCanceledException)
        {
        }
        catch (Grpc.Core.RpcException e) when (e.StatusCode == Grpc.Core.StatusCode.Cancelled)
        {
        }

        stop.Dispose();
    }
}
