using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Client.Api;
using Skiff.Client.Informers;
using Skiff.Client.Leases;

namespace Skiff.Client.Tests.Integration;

/// <summary>The client layer against a real API server over HTTPS: informers through writes and a server restart,
/// 410 Gone from a compacted watch window, and two candidates for one Lease.</summary>
public sealed class ServerInformerTests
{
    private static async Task CreatePodsAsync(IApiClient api, string ns, string prefix, int count)
    {
        for (var i = 0; i < count; i++)
        {
            await api.CreateAsync(Pods.Make($"{prefix}{i}", ns), default);
        }
    }

    private static async Task<Dictionary<string, string>> FreshListAsync(IApiClient api, string ns) =>
        (await api.ListAsync<V1Pod>(new ListOptions { Namespace = ns }, default)).Items.ToDictionary(p => p.Metadata.Name, p => p.Metadata.ResourceVersion);

    [Fact]
    public async Task An_informer_follows_writes_and_a_server_restart_without_loss_or_duplicate()
    {
        await using var server = await RealServer.StartAsync();
        using var writer = ApiClients.FromKubeconfig(server.KubeconfigPath);
        using var reader = ApiClients.FromKubeconfig(server.KubeconfigPath);
        await CreatePodsAsync(writer, "default", "before", 20);

        await using var factory = new SharedInformerFactory(reader, TimeProvider.System, NullLoggerFactory.Instance);
        var informer = factory.Get<V1Pod>(new InformerOptions { Namespace = "default" });
        var handler = new RecordingHandler();
        informer.AddEventHandler(handler);
        using var stop = new CancellationTokenSource();
        factory.Start(stop.Token);
        var writes = CreatePodsAsync(writer, "default", "during", 30); // while the informer lists and starts watching
        await informer.WaitForSyncAsync(stop.Token);
        await writes;
        var doomed = await writer.GetAsync<V1Pod>("default", "before0", default);
        await writer.DeleteAsync<V1Pod>("default", "before0", null, default);
        var changed = (await writer.GetAsync<V1Pod>("default", "before1", default))!;
        changed.Metadata.Labels = new Dictionary<string, string> { ["tier"] = "web" };
        await writer.UpdateAsync(changed, default);
        await Eventually.TrueAsync(() => handler.Snapshot().Count == 49, "49 pods in the handler");

        // The server goes away and comes back on the same store and port; writes follow.
        await server.StopServerAsync();
        await Task.Delay(300);
        await server.StartServerAsync(server.Port);
        await CreatePodsAsync(writer, "default", "after", 10);
        await writer.DeleteAsync<V1Pod>("default", "during0", null, default);

        var expected = await FreshListAsync(writer, "default");
        Assert.Equal(58, expected.Count);
        await Eventually.TrueAsync(() => handler.Snapshot().Count == 58 && handler.Snapshot().All(kv => expected.GetValueOrDefault(kv.Key) == kv.Value), "the handler to match a fresh list", 30_000);
        Assert.Equal(expected, informer.Cache.List().ToDictionary(p => p.Metadata.Name, p => p.Metadata.ResourceVersion));
        Assert.NotNull(doomed);
        await stop.CancelAsync();
    }

    [Fact]
    public async Task A_watch_from_a_revision_out_of_the_window_fails_with_410_and_an_informer_lists_again()
    {
        await using var server = await RealServer.StartAsync(watchHistorySize: 16);
        using var api = ApiClients.FromKubeconfig(server.KubeconfigPath);
        var start = (await api.ListAsync<V1Pod>(new ListOptions { Namespace = "default" }, default)).ResourceVersion;
        await CreatePodsAsync(api, "default", "p", 40);

        var error = await Assert.ThrowsAsync<ApiException>(async () =>
        {
            await foreach (var _ in api.WatchAsync<V1Pod>(new WatchOptions { Namespace = "default", ResourceVersion = start }, default))
            {
            }
        });
        Assert.True(error.IsGone, $"{(int)error.StatusCode} {error.Message}");

        // The same through an informer: it was cut off before those writes and can only catch up by listing again.
        var informer = new SharedInformer<V1Pod>(new StaleFirstWatch(api, start), new InformerOptions { Namespace = "default" }, TimeProvider.System, NullLogger.Instance);
        var handler = new RecordingHandler();
        informer.AddEventHandler(handler);
        using var stop = new CancellationTokenSource();
        var run = informer.RunAsync(stop.Token);
        await Eventually.TrueAsync(() => informer.ListCount == 2, "a second list after 410", 15_000);
        await Eventually.TrueAsync(() => handler.Snapshot().Count == 40, "all pods in the handler");
        await stop.CancelAsync();
        await run;
    }

    [Fact]
    public async Task Two_candidates_on_one_lease_lead_in_turn()
    {
        await using var server = await RealServer.StartAsync();
        using var apiA = ApiClients.FromKubeconfig(server.KubeconfigPath);
        using var apiB = ApiClients.FromKubeconfig(server.KubeconfigPath);
        LeaderElector Candidate(string id, IApiClient api) => new(
            new LeaderElectionConfig
            {
                Namespace = "kube-system", Name = "test-component", Identity = id,
                LeaseDuration = TimeSpan.FromSeconds(3), RenewDeadline = TimeSpan.FromSeconds(2), RetryPeriod = TimeSpan.FromMilliseconds(300),
            },
            api, TimeProvider.System, NullLogger.Instance);
        var a = Candidate("a", apiA);
        var b = Candidate("b", apiB);
        var leading = 0;
        var overlap = false;
        Func<CancellationToken, Task> Lead() => async ct =>
        {
            if (Interlocked.Increment(ref leading) > 1)
            {
                overlap = true;
            }

            try
            {
                await Task.Delay(Timeout.Infinite, ct);
            }
            finally
            {
                Interlocked.Decrement(ref leading);
            }
        };

        using var stopA = new CancellationTokenSource();
        using var stopB = new CancellationTokenSource();
        var runA = a.RunAsync(Lead(), stopA.Token);
        await Eventually.TrueAsync(() => a.IsLeader, "a to lead");
        var runB = b.RunAsync(Lead(), stopB.Token);
        await Task.Delay(1500);
        Assert.False(b.IsLeader);

        await stopA.CancelAsync();
        await runA;
        await Eventually.TrueAsync(() => b.IsLeader, "b to lead after a released the lease", 5_000);
        var lease = (await apiB.GetAsync<V1Lease>("kube-system", "test-component", default))!;
        Assert.Equal("b", lease.Spec.HolderIdentity);
        Assert.Equal(1, lease.Spec.LeaseTransitions);
        Assert.False(overlap);
        await stopB.CancelAsync();
        await runB;
    }

    /// <summary>An API whose first watch starts from an old revision, as when an informer comes back after a long
    /// disconnection.</summary>
    private sealed class StaleFirstWatch(IApiClient inner, string staleVersion) : IApiClient
    {
        private int _watches;

        public Task<ObjectList<T>> ListAsync<T>(ListOptions options, CancellationToken cancellationToken)
            where T : class, k8s.IKubernetesObject<V1ObjectMeta>
        {
            // The first list answers as of the stale revision (empty), like a cache from before the writes.
            return _watches == 0 && options.Continue is null
                ? Task.FromResult(new ObjectList<T>([], staleVersion, null))
                : inner.ListAsync<T>(options, cancellationToken);
        }

        public IAsyncEnumerable<WatchEvent<T>> WatchAsync<T>(WatchOptions options, CancellationToken cancellationToken)
            where T : class, k8s.IKubernetesObject<V1ObjectMeta>
        {
            Interlocked.Increment(ref _watches);
            return inner.WatchAsync<T>(options, cancellationToken);
        }

        public Task<T?> GetAsync<T>(string? ns, string name, CancellationToken cancellationToken)
            where T : class, k8s.IKubernetesObject<V1ObjectMeta> => inner.GetAsync<T>(ns, name, cancellationToken);

        public Task<T> CreateAsync<T>(T obj, CancellationToken cancellationToken)
            where T : class, k8s.IKubernetesObject<V1ObjectMeta> => inner.CreateAsync(obj, cancellationToken);

        public Task<T> UpdateAsync<T>(T obj, CancellationToken cancellationToken)
            where T : class, k8s.IKubernetesObject<V1ObjectMeta> => inner.UpdateAsync(obj, cancellationToken);

        public Task<T> UpdateStatusAsync<T>(T obj, CancellationToken cancellationToken)
            where T : class, k8s.IKubernetesObject<V1ObjectMeta> => inner.UpdateStatusAsync(obj, cancellationToken);

        public Task<T> PatchAsync<T>(string? ns, string name, ApiPatch patch, CancellationToken cancellationToken, string? subresource = null)
            where T : class, k8s.IKubernetesObject<V1ObjectMeta> => inner.PatchAsync<T>(ns, name, patch, cancellationToken, subresource);

        public Task DeleteAsync<T>(string? ns, string name, V1DeleteOptions? options, CancellationToken cancellationToken)
            where T : class, k8s.IKubernetesObject<V1ObjectMeta> => inner.DeleteAsync<T>(ns, name, options, cancellationToken);

        public Task<TResult> CreateSubresourceAsync<T, TBody, TResult>(string? ns, string name, string subresource, TBody body, CancellationToken cancellationToken)
            where T : class, k8s.IKubernetesObject<V1ObjectMeta>
            where TBody : class
            where TResult : class => inner.CreateSubresourceAsync<T, TBody, TResult>(ns, name, subresource, body, cancellationToken);

        public Task<T> UpdateSubresourceAsync<T>(T obj, string subresource, CancellationToken cancellationToken)
            where T : class, k8s.IKubernetesObject<V1ObjectMeta> => inner.UpdateSubresourceAsync(obj, subresource, cancellationToken);

        public Task<DiscoveryResult> DiscoverAsync(CancellationToken cancellationToken) => inner.DiscoverAsync(cancellationToken);

        public Task<IReadOnlyList<V1ObjectMeta>> ListMetadataAsync(ApiResource resource, string? ns, CancellationToken cancellationToken) =>
            inner.ListMetadataAsync(resource, ns, cancellationToken);

        public Task DeleteCollectionAsync(ApiResource resource, string? ns, V1DeleteOptions? options, CancellationToken cancellationToken) =>
            inner.DeleteCollectionAsync(resource, ns, options, cancellationToken);

        public Task DeleteAsync(ApiResource resource, string? ns, string name, V1DeleteOptions? options, CancellationToken cancellationToken) =>
            inner.DeleteAsync(resource, ns, name, options, cancellationToken);
    }
}
