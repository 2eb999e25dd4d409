using Skiff.Cri.V1;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// One node-wide listing of sandboxes and containers shared by all pod workers for the first look of each sync, like
/// the kubelet's PLEG relist: without it every worker lists the runtime every second and on every API update of its
/// pod (2 CRI calls per pod each time, each making containerd walk all its sandboxes), which on a busy node competes
/// with the pod starts themselves. At most one listing is in flight, so their rate does not grow with the pods.
/// Listings are numbered; a worker asks for one that began after its own last look, so concurrent resyncs share one
/// listing and nobody gets an answer older than what it already saw.
/// </summary>
public sealed class RuntimeSnapshots(IRuntimeService runtime)
{
    private readonly Lock gate = new();
    private long generation;
    private RuntimeSnapshot? latest;
    private Task<RuntimeSnapshot>? inFlight;
    private long inFlightGeneration;

    /// <summary>The number of the last listing started; a listing numbered higher began after this call.</summary>
    public long Mark()
    {
        lock (gate)
        {
            return generation;
        }
    }

    /// <summary>A listing that began after <paramref name="seen"/> (a <see cref="Mark"/> or a snapshot's generation).</summary>
    public async Task<RuntimeSnapshot> NewerThanAsync(long seen, CancellationToken cancellationToken)
    {
        while (true)
        {
            Task<RuntimeSnapshot> task;
            lock (gate)
            {
                if (latest is not null && latest.Generation > seen)
                {
                    return latest;
                }

                if (inFlight is null)
                {
                    inFlightGeneration = ++generation;
                    inFlight = ListAsync(inFlightGeneration);
                }

                task = inFlight;
            }

            // A listing that began too early still has to finish before a newer one starts; then loop.
            await task.WaitAsync(cancellationToken);
        }
    }

    private async Task<RuntimeSnapshot> ListAsync(long number)
    {
        // Yield so the caller's lock is released before the runtime is called.
        await Task.Yield();
        try
        {
            var sandboxes = await runtime.ListPodSandboxAsync(null, CancellationToken.None);
            var containers = await runtime.ListContainersAsync(null, CancellationToken.None);
            var snapshot = new RuntimeSnapshot(number, sandboxes, containers);
            lock (gate)
            {
                if (latest is null || latest.Generation < number)
                {
                    latest = snapshot;
                }
            }

            return snapshot;
        }
        finally
        {
            lock (gate)
            {
                if (inFlightGeneration == number)
                {
                    inFlight = null;
                }
            }
        }
    }
}

/// <summary>All sandboxes and containers of the runtime at one moment.</summary>
public sealed record RuntimeSnapshot(long Generation, IReadOnlyList<PodSandbox> Sandboxes, IReadOnlyList<Container> Containers);
