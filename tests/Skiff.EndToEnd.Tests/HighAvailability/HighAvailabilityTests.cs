using k8s;
using k8s.Autorest;
using k8s.Models;

namespace Skiff.EndToEnd.Tests.HighAvailability;

/// <summary>
/// Issue 5's high availability: a three-member etcd cluster on loopback and two Skiff API servers on it. A fresh
/// cluster per test (each test breaks something).
/// </summary>
public sealed class HighAvailabilityTests : IAsyncLifetime
{
    private const string Namespace = "default";
    private static readonly TimeSpan DeliveryTimeout = TimeSpan.FromSeconds(30);

    private EtcdCluster? _etcd;
    private ApiServerProcess? _first;
    private ApiServerProcess? _second;
    private Kubernetes? _firstClient;
    private Kubernetes? _secondClient;

    private EtcdCluster Etcd => _etcd!;

    private Kubernetes First => _firstClient!;

    private Kubernetes Second => _secondClient!;

    public async Task InitializeAsync()
    {
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        _etcd = await EtcdCluster.StartAsync(3, timeout.Token);
        _first = await ApiServerProcess.StartAsync(_etcd.ClientUrls, sharedPkiFrom: null, timeout.Token);
        _second = await ApiServerProcess.StartAsync(_etcd.ClientUrls, sharedPkiFrom: _first.DataDirectory, timeout.Token);
        _firstClient = _first.CreateClient();
        _secondClient = _second.CreateClient();
    }

    public async Task DisposeAsync()
    {
        _firstClient?.Dispose();
        _secondClient?.Dispose();
        foreach (var disposable in new IAsyncDisposable?[] { _second, _first, _etcd })
        {
            if (disposable is not null)
            {
                await disposable.DisposeAsync();
            }
        }
    }

    [Fact]
    public async Task A_write_on_one_server_is_read_on_the_other_and_reaches_a_watch_there()
    {
        await using var watch = await ConfigMapWatch.OpenAsync(Second, Namespace, CancellationToken.None);

        var created = await First.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap("from-first"), Namespace);
        var read = await Second.CoreV1.ReadNamespacedConfigMapAsync("from-first", Namespace);
        Assert.Equal(created.Metadata.Uid, read.Metadata.Uid);
        Assert.Equal(created.ResourceVersion(), read.ResourceVersion());

        // An update through the second server with the first's resourceVersion: one store, one optimistic lock.
        read.Data["k"] = "changed on second";
        await Second.CoreV1.ReplaceNamespacedConfigMapAsync(read, "from-first", Namespace);
        created.Data["k"] = "stale write on first";
        var conflict = await Assert.ThrowsAsync<HttpOperationException>(() => First.CoreV1.ReplaceNamespacedConfigMapAsync(created, "from-first", Namespace));
        Assert.Equal(System.Net.HttpStatusCode.Conflict, conflict.Response.StatusCode);

        await watch.WaitForAsync(["from-first"], DeliveryTimeout);
        Assert.Null(watch.Failure);
        Assert.Equal(
            [(WatchEventType.Added, "from-first"), (WatchEventType.Modified, "from-first")],
            watch.Events.Select(e => (e.Type, e.Name)));
    }

    [Theory]
    [InlineData(true)]
    [InlineData(false)]
    public async Task Killing_an_etcd_member_keeps_both_servers_reading_writing_and_watching(bool killTheLeader)
    {
        await using var watch = await ConfigMapWatch.OpenAsync(Second, Namespace, CancellationToken.None);
        var acknowledged = new List<string>();
        await WriteAlternatelyAsync("before", 10, acknowledged);

        var leader = await Etcd.FindLeaderAsync(CancellationToken.None);
        await Etcd.KillAsync(killTheLeader ? leader : (leader + 1) % 3, CancellationToken.None);

        // Writes keep succeeding on both servers (after at most a leader election); reads see all of them.
        await WriteAlternatelyAsync("after", 10, acknowledged);
        foreach (var client in new[] { First, Second })
        {
            var names = (await client.CoreV1.ListNamespacedConfigMapAsync(Namespace)).Items.Select(c => c.Name()).ToHashSet();
            Assert.Superset(acknowledged.ToHashSet(), names);
            Assert.Equal(acknowledged.Count, names.Count(n => n.StartsWith("before-", StringComparison.Ordinal) || n.StartsWith("after-", StringComparison.Ordinal)));
        }

        await AssertDeliveredWithoutGapsAsync(watch, Second);
    }

    [Fact]
    public async Task Killing_an_api_server_loses_no_acknowledged_write_and_the_other_servers_watch_goes_on()
    {
        await using var watch = await ConfigMapWatch.OpenAsync(Second, Namespace, CancellationToken.None);
        var acknowledged = new List<string>();

        // Writes stream into the first server while it is killed in the middle of them.
        using var writing = new CancellationTokenSource();
        var writer = Task.Run(async () =>
        {
            for (var i = 0; !writing.IsCancellationRequested; i++)
            {
                try
                {
                    await First.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap($"first-{i}"), Namespace);
                    lock (acknowledged)
                    {
                        acknowledged.Add($"first-{i}");
                    }
                }
                catch (Exception e) when (e is HttpRequestException or HttpOperationException or IOException or TaskCanceledException)
                {
                    return; // the server is gone: this write was never acknowledged
                }
            }
        });
        while (AcknowledgedCount(acknowledged) < 20)
        {
            await Task.Delay(20);
        }

        await _first!.KillAsync();
        await writing.CancelAsync();
        await writer;

        // The survivor serves on: everything the dead server acknowledged is there, and new writes go through.
        for (var i = 0; i < 5; i++)
        {
            await Second.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap($"second-{i}"), Namespace);
            acknowledged.Add($"second-{i}");
        }

        var names = (await Second.CoreV1.ListNamespacedConfigMapAsync(Namespace)).Items.Select(c => c.Name()).ToHashSet();
        Assert.Superset(acknowledged.ToHashSet(), names);
        await AssertDeliveredWithoutGapsAsync(watch, Second);
    }

    /// <summary>
    /// The watch opened before the trouble delivered every config map that exists now, each once, in resourceVersion
    /// order: no gap, no duplicate, and it was never dropped.
    /// </summary>
    private static async Task AssertDeliveredWithoutGapsAsync(ConfigMapWatch watch, IKubernetes client)
    {
        var existing = (await client.CoreV1.ListNamespacedConfigMapAsync(Namespace)).Items
            .Where(c => c.Name() != "kube-root-ca.crt")
            .Select(c => c.Name())
            .ToList();
        await watch.WaitForAsync(existing, DeliveryTimeout);
        Assert.Null(watch.Failure);
        var added = watch.Events.Where(e => e.Type == WatchEventType.Added).ToList();
        Assert.Equal(existing.Order(StringComparer.Ordinal), added.Select(e => e.Name).Order(StringComparer.Ordinal));
        Assert.Equal(added.Select(e => e.ResourceVersion).Order(), added.Select(e => e.ResourceVersion));
        Assert.Equal(added.Count, added.Select(e => e.ResourceVersion).Distinct().Count());
    }

    /// <summary>
    /// Creates <paramref name="count"/> config maps, alternating between the servers. A create that fails while etcd
    /// elects a leader is retried; if a retry finds the object already there, the failed attempt did write it.
    /// </summary>
    private async Task WriteAlternatelyAsync(string prefix, int count, List<string> acknowledged)
    {
        for (var i = 0; i < count; i++)
        {
            var client = i % 2 == 0 ? First : Second;
            var name = $"{prefix}-{i}";
            var deadline = DateTime.UtcNow.AddSeconds(30);
            while (true)
            {
                try
                {
                    await client.CoreV1.CreateNamespacedConfigMapAsync(ConfigMap(name), Namespace);
                    break;
                }
                catch (HttpOperationException e) when (e.Response.StatusCode == System.Net.HttpStatusCode.Conflict)
                {
                    break; // AlreadyExists: an earlier attempt that timed out on our side was written
                }
                catch (Exception e) when (e is HttpRequestException or HttpOperationException or TaskCanceledException && DateTime.UtcNow < deadline)
                {
                    await Task.Delay(200);
                }
            }

            acknowledged.Add(name);
        }
    }

    private static int AcknowledgedCount(List<string> acknowledged)
    {
        lock (acknowledged)
        {
            return acknowledged.Count;
        }
    }

    private static V1ConfigMap ConfigMap(string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Data = new Dictionary<string, string> { ["k"] = name },
    };
}
