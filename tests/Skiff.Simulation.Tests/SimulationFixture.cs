using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Cache;
using Skiff.Client.Informers;
using Skiff.Testing;

namespace Skiff.Simulation.Tests;

/// <summary>The node and pod simulators over a <see cref="FakeApiClient"/>, with informers reading it and a fake
/// clock for the simulators; tests call the syncs themselves (no workers) so every step is deterministic.</summary>
internal sealed class SimulationFixture : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private FakeApiClient? _api;

    public SimulationFixture(int nodes = 2)
    {
        Options = new SimulationOptions { Count = nodes };
        Informers = new SharedInformerFactory(Api, TimeProvider.System, NullLoggerFactory.Instance);
        var nodeInformer = Informers.Get<V1Node>();
        var podInformer = Informers.Get<V1Pod>();
        podInformer.AddIndexer(Indexers.NodeName, Indexers.ByNodeName);
        NodeCache = nodeInformer.Cache;
        PodCache = podInformer.Cache;
        Nodes = new NodeSimulator(Options, Api, NodeCache, Time, NullLogger.Instance);
        Pods = new PodSimulator(Api, PodCache, Nodes, Time, NullLogger.Instance);
        podInformer.AddEventHandler(new ResourceEventHandler<V1Pod> { Added = (p, _) => Pods.OnPod(p), Updated = (_, p) => Pods.OnPod(p) });
        Informers.Start(_stop.Token);
    }

    public static DateTimeOffset Start { get; } = new(2026, 1, 1, 0, 0, 0, TimeSpan.Zero);

    public FakeTimeProvider Time { get; } = new(Start);

    public FakeApiClient Api => _api ??= new FakeApiClient(Time);

    public SimulationOptions Options { get; }

    public SharedInformerFactory Informers { get; }

    public IReadOnlyCache<V1Node> NodeCache { get; }

    public IReadOnlyCache<V1Pod> PodCache { get; }

    public NodeSimulator Nodes { get; }

    public PodSimulator Pods { get; }

    public static V1Pod Pod(string name, string node, string restartPolicy = "Always", Dictionary<string, string>? annotations = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Annotations = annotations },
        Spec = new V1PodSpec
        {
            NodeName = node,
            RestartPolicy = restartPolicy,
            Containers = [new V1Container { Name = "app", Image = "nginx" }],
        },
        Status = new V1PodStatus { Phase = "Pending" },
    };

    /// <summary>Waits (real time) until the informers' caches show <paramref name="condition"/>.</summary>
    public static async Task EventuallyAsync(Func<bool> condition, string what)
    {
        var until = DateTime.UtcNow.AddSeconds(10);
        while (!condition())
        {
            if (DateTime.UtcNow > until)
            {
                Assert.Fail("timed out waiting for " + what);
            }

            await Task.Delay(20);
        }
    }

    /// <summary>Waits until both informers have listed and opened their watches, so that a test which clears
    /// <see cref="FakeApiClient.Calls"/> sees only the calls its own steps make, not an informer's late start.</summary>
    public async Task WatchingAsync()
    {
        await Informers.WaitForCacheSyncAsync(_stop.Token).WaitAsync(TimeSpan.FromSeconds(10));
        await EventuallyAsync(() => Api.OpenWatches == 2, "the node and pod watches open");
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        Nodes.Queue.Dispose();
        Pods.Queue.Dispose();
        await Informers.DisposeAsync();
        _stop.Dispose();
    }
}
