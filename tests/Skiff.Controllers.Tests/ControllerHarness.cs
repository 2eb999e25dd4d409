using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client;
using Skiff.Client.Informers;
using Skiff.Client.Queue;
using Skiff.Testing;

namespace Skiff.Controllers.Tests;

/// <summary>A fake API, a fake clock and a component context whose informers run over them; tests call a
/// controller's SyncAsync themselves and wait for the caches to catch up in between.</summary>
internal sealed class ControllerHarness : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();

    public ControllerHarness()
    {
        Api = new FakeApiClient(Time);
        Context = ComponentContext.Create(Api, Time, NullLoggerFactory.Instance);
    }

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 12, 5, 12, 0, 0, TimeSpan.Zero));

    public FakeApiClient Api { get; }

    public ComponentContext Context { get; }

    public CancellationToken Token => _stop.Token;

    public async Task StartAsync()
    {
        Context.Informers.Start(_stop.Token);
        await Context.Informers.WaitForCacheSyncAsync(_stop.Token).WaitAsync(TimeSpan.FromSeconds(10));
    }

    /// <summary>Waits until the informer's cache holds exactly what the fake API stores.</summary>
    public async Task CaughtUpAsync<T>()
        where T : class, IKubernetesObject<V1ObjectMeta>
    {
        var informer = Context.Informers.Get<T>();
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (true)
        {
            var stored = Api.All<T>();
            if (stored.Count == informer.Cache.Count
                && stored.All(o => informer.Cache.Get(o.Metadata.NamespaceProperty, o.Metadata.Name)?.Metadata.ResourceVersion == o.Metadata.ResourceVersion))
            {
                return;
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException($"the {typeof(T).Name} cache did not catch up");
            }

            await Task.Delay(5);
        }
    }

    public async Task CaughtUpAsync()
    {
        await CaughtUpAsync<V1Pod>();
        await CaughtUpAsync<V1ReplicaSet>();
        await CaughtUpAsync<V1Deployment>();
    }

    /// <summary>Takes and finishes every item the queue holds now (what informer start-up queued).</summary>
    public async Task DrainAsync(WorkQueue<string> queue)
    {
        while (queue.Count > 0)
        {
            var (item, _) = await queue.GetAsync(Token);
            queue.Done(item);
        }
    }

    /// <summary>Waits (up to 10 s) until the queue holds an item.</summary>
    public static async Task QueuedAsync(WorkQueue<string> queue)
    {
        var deadline = DateTime.UtcNow.AddSeconds(10);
        while (queue.Count == 0 && DateTime.UtcNow < deadline)
        {
            await Task.Delay(5);
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Context.DisposeAsync();
        _stop.Dispose();
    }

    public static V1PodTemplateSpec Template(string app, string image) => new()
    {
        Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = app } },
        Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = image }] },
    };

    /// <summary>Marks a pod Running and Ready since <paramref name="since"/>, as a kubelet would.</summary>
    public async Task MakeReadyAsync(V1Pod pod, DateTimeOffset since)
    {
        var copy = ObjectCopy.Clone(pod);
        copy.Status = new V1PodStatus
        {
            Phase = "Running",
            Conditions = [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = since.UtcDateTime }],
        };
        await Api.UpdateStatusAsync(copy, Token);
    }
}
