using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Client;
using Skiff.Networking.EndpointSlices;
using Skiff.Testing;
using static Skiff.Networking.Tests.EndpointSlices.TestObjects;

namespace Skiff.Networking.Tests.EndpointSlices;

/// <summary>The three controllers together against the in-memory API, as <c>skiff server</c> runs them.</summary>
public sealed class EndpointControllersTests : IAsyncLifetime
{
    private readonly FakeApiClient _api = new();
    private readonly CancellationTokenSource _stop = new();
    private ComponentContext? _context;
    private Task _running = Task.CompletedTask;

    public Task InitializeAsync()
    {
        _context = ComponentContext.Create(_api, TimeProvider.System, NullLoggerFactory.Instance);
        _running = NetworkingControllers.RunControllersAsync(_context, _stop.Token);
        return Task.CompletedTask;
    }

    public async Task DisposeAsync()
    {
        await _stop.CancelAsync();
        await _running;
        await _context!.DisposeAsync();
        _stop.Dispose();
    }

    [Fact]
    public async Task Slices_and_endpoints_follow_the_pods_of_a_service()
    {
        _api.Seed(Pod("a", "10.42.0.1"));
        _api.Seed(Pod("b", "10.42.0.2", ready: false));
        _api.Seed(Pod("other", "10.42.0.3", app: "db"));
        _api.Seed(Service());

        var slice = await EventuallyAsync(() => Slices("web", EndpointSliceLabels.ControllerName) is [{ Endpoints.Count: 2 } s] ? s : null);
        Assert.Equal(["10.42.0.1", "10.42.0.2"], slice.Endpoints.Select(e => e.Addresses[0]).Order());
        Assert.Equal(80, Assert.Single(slice.Ports).Port);
        var endpoints = await EventuallyAsync(() => _api.Peek<V1Endpoints>("default", "web"));
        Assert.Equal("10.42.0.1", Assert.Single(Assert.Single(endpoints.Subsets).Addresses).Ip);
        Assert.Equal("10.42.0.2", Assert.Single(endpoints.Subsets[0].NotReadyAddresses).Ip);

        // b becomes ready; a is being deleted (graceful: still in the slice, terminating, gone from Endpoints).
        var b = _api.Peek<V1Pod>("default", "b")!;
        b.Status.Conditions[0].Status = "True";
        await _api.UpdateStatusAsync(b, CancellationToken.None);
        await _api.DeleteAsync<V1Pod>("default", "a", null, CancellationToken.None);

        slice = await EventuallyAsync(() => Slices("web", EndpointSliceLabels.ControllerName) is [var s]
            && s.Endpoints.Any(e => e.Conditions.Terminating == true) && s.Endpoints.All(e => e.Conditions.Serving == true) ? s : null);
        var a = slice.Endpoints.Single(e => e.TargetRef.Name == "a");
        Assert.False(a.Conditions.Ready);
        endpoints = await EventuallyAsync(() => _api.Peek<V1Endpoints>("default", "web") is { Subsets: [{ Addresses: [{ Ip: "10.42.0.2" }], NotReadyAddresses: null }] } e ? e : null);

        // The Service goes: so do its slices and Endpoints.
        await _api.DeleteAsync<V1Service>("default", "web", null, CancellationToken.None);
        await EventuallyAsync(() => Slices("web", EndpointSliceLabels.ControllerName).Count == 0 && _api.Peek<V1Endpoints>("default", "web") is null ? "gone" : null);
    }

    [Fact]
    public async Task A_service_without_pods_has_one_empty_slice_and_many_pods_make_slices_of_a_hundred()
    {
        _api.Seed(Service());
        var placeholder = await EventuallyAsync(() => Slices("web", EndpointSliceLabels.ControllerName) is [var s] ? s : null);
        Assert.Empty(placeholder.Endpoints ?? []);

        for (var i = 0; i < 230; i++)
        {
            _api.Seed(Pod($"p{i:000}", $"10.42.{i / 200}.{(i % 200) + 1}"));
        }

        var slices = await EventuallyAsync(() => Slices("web", EndpointSliceLabels.ControllerName) is { Count: 3 } s && s.Sum(x => x.Endpoints?.Count ?? 0) == 230 ? s : null);
        Assert.All(slices, s => Assert.True(s.Endpoints.Count <= 100));
        Assert.Contains(slices, s => s.Metadata.Name == placeholder.Metadata.Name); // the placeholder was filled, not replaced
    }

    [Fact]
    public async Task Endpoints_of_a_selector_less_service_are_mirrored_into_slices()
    {
        _api.Seed(Service("ext", selector: new Dictionary<string, string>()));
        _api.Seed(new V1Endpoints
        {
            ApiVersion = "v1",
            Kind = "Endpoints",
            Metadata = new V1ObjectMeta { Name = "ext", NamespaceProperty = "default" },
            Subsets = [new V1EndpointSubset { Addresses = [new V1EndpointAddress { Ip = "192.0.2.10" }], Ports = [new Corev1EndpointPort { Port = 5432 }] }],
        });

        var slice = await EventuallyAsync(() => Slices("ext", EndpointSliceLabels.MirroringControllerName) is [var s] ? s : null);
        Assert.Equal("192.0.2.10", slice.Endpoints[0].Addresses[0]);
        Assert.Equal("Endpoints", slice.Metadata.OwnerReferences[0].Kind);
        Assert.Empty(Slices("ext", EndpointSliceLabels.ControllerName)); // no selector: nothing from the slice controller

        await _api.DeleteAsync<V1Endpoints>("default", "ext", null, CancellationToken.None);
        await EventuallyAsync(() => Slices("ext", EndpointSliceLabels.MirroringControllerName).Count == 0 ? "gone" : null);
        Assert.NotNull(_api.Peek<V1Service>("default", "ext"));
    }

    [Fact]
    public async Task The_api_servers_own_kubernetes_endpoints_are_left_alone()
    {
        // As the API server writes them: a selector-less Service, Endpoints labelled skip-mirror and its own slice.
        _api.Seed(Service("kubernetes", selector: new Dictionary<string, string>()));
        _api.Seed(new V1Endpoints
        {
            ApiVersion = "v1",
            Kind = "Endpoints",
            Metadata = new V1ObjectMeta { Name = "kubernetes", NamespaceProperty = "default", Labels = new Dictionary<string, string> { [EndpointSliceLabels.SkipMirror] = "true" } },
            Subsets = [new V1EndpointSubset { Addresses = [new V1EndpointAddress { Ip = "127.0.0.1" }], Ports = [new Corev1EndpointPort { Name = "https", Port = 6443 }] }],
        });
        _api.Seed(new V1EndpointSlice
        {
            ApiVersion = "discovery.k8s.io/v1",
            Kind = "EndpointSlice",
            Metadata = new V1ObjectMeta { Name = "kubernetes", NamespaceProperty = "default", Labels = new Dictionary<string, string> { [EndpointSliceLabels.ServiceName] = "kubernetes" } },
            AddressType = "IPv4",
            Endpoints = [new V1Endpoint { Addresses = ["127.0.0.1"], Conditions = new V1EndpointConditions { Ready = true } }],
        });

        // A marker Service processed after them shows the controllers have caught up.
        _api.Seed(Service());
        await EventuallyAsync(() => Slices("web", EndpointSliceLabels.ControllerName) is [_] && _api.Peek<V1Endpoints>("default", "web") is not null ? "synced" : null);
        await Task.Delay(300);

        var slices = _api.All<V1EndpointSlice>().Where(s => Label(s, EndpointSliceLabels.ServiceName) == "kubernetes").ToList();
        Assert.Equal("kubernetes", Assert.Single(slices).Metadata.Name);
        Assert.Equal("127.0.0.1", Assert.Single(Assert.Single(_api.Peek<V1Endpoints>("default", "kubernetes")!.Subsets).Addresses).Ip);
    }

    private List<V1EndpointSlice> Slices(string service, string manager) =>
        [.. _api.All<V1EndpointSlice>().Where(s => Label(s, EndpointSliceLabels.ServiceName) == service && Label(s, EndpointSliceLabels.ManagedBy) == manager)];

    private static string? Label(V1EndpointSlice slice, string key) =>
        slice.Metadata.Labels is { } labels && labels.TryGetValue(key, out var value) ? value : null;

    /// <summary>Polls until <paramref name="probe"/> gives a value (fails after 20 s: a controller that never gets
    /// there).</summary>
    private static async Task<T> EventuallyAsync<T>(Func<T?> probe)
        where T : class
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (true)
        {
            if (probe() is { } value)
            {
                return value;
            }

            Assert.True(DateTime.UtcNow < deadline, "the controllers did not reach the expected state within 20 s");
            await Task.Delay(20);
        }
    }
}
