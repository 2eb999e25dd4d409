namespace Skiff.Storage.Tests;

/// <summary>
/// Hands each test a fresh, empty etcd (the conformance suite checks exact revisions), keeping a few starting ahead
/// so tests do not wait for each start.
/// </summary>
public sealed class EtcdServerPool : IAsyncLifetime
{
    private const int StartedAhead = 3;
    private readonly Lock _gate = new();
    private readonly Queue<Task<EtcdServer>> _starting = new();
    private readonly CancellationTokenSource _disposed = new();

    /// <summary>A started etcd the caller owns (and disposes).</summary>
    public Task<EtcdServer> TakeAsync()
    {
        lock (_gate)
        {
            while (_starting.Count < StartedAhead + 1)
            {
                _starting.Enqueue(EtcdServer.StartAsync(_disposed.Token));
            }

            return _starting.Dequeue();
        }
    }

    public Task InitializeAsync() => Task.CompletedTask;

    public async Task DisposeAsync()
    {
        await _disposed.CancelAsync();
        List<Task<EtcdServer>> pending;
        lock (_gate)
        {
            pending = [.. _starting];
            _starting.Clear();
        }

        foreach (var start in pending)
        {
            try
            {
                (await start).Dispose();
            }
            catch (Exception e) when (e is OperationCanceledException or InvalidOperationException or HttpRequestException)
            {
                // It never got going; its start already cleaned up.
            }
        }

        _disposed.Dispose();
    }
}
