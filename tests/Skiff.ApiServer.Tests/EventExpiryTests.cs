using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Apimachinery;
using Skiff.Storage.Memory;

namespace Skiff.ApiServer.Tests;

/// <summary>Events expire an hour after their last write (kube-apiserver's --event-ttl, as etcd's lease per write),
/// read from the event's own timestamps; the server's clock is a fake one moved by the test.</summary>
public sealed class EventExpiryTests
{
    [Fact]
    public async Task Events_older_than_the_ttl_are_deleted_and_a_counted_event_lives_on()
    {
        var dir = Path.Combine(Path.GetTempPath(), "skiff-events-" + Guid.NewGuid().ToString("N")[..8]);
        var time = new FakeTimeProvider(DateTimeOffset.UtcNow);
        await using var store = new MemoryStore();
        await using var server = await ApiServer.StartAsync(
            new ApiServerOptions
            {
                DataDirectory = dir,
                Resources = ResourceCatalog.CreateBuiltIn().All,
                Port = 0,
                EventExpiryInterval = TimeSpan.FromMinutes(1),
                Time = time,
            },
            store, NullLoggerFactory.Instance, CancellationToken.None);
        using var client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(server.KubeconfigPath));
        var t0 = time.GetUtcNow().UtcDateTime;
        Corev1Event Make(string name, DateTime last) => new()
        {
            Metadata = new V1ObjectMeta { Name = name },
            InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "web", NamespaceProperty = "default" },
            Reason = "Started",
            Message = "Started container web",
            FirstTimestamp = last,
            LastTimestamp = last,
            Count = 1,
        };
        await client.CoreV1.CreateNamespacedEventAsync(Make("old", t0.AddMinutes(-30)), "default");
        await client.CoreV1.CreateNamespacedEventAsync(Make("counted", t0), "default");
        async Task<List<string>> NamesAfterAsync(TimeSpan advance)
        {
            for (var done = TimeSpan.Zero; done < advance; done += TimeSpan.FromMinutes(1))
            {
                time.Advance(TimeSpan.FromMinutes(1));
                await Task.Delay(50);
            }

            await Task.Delay(300); // the pass that the last tick started
            return (await client.CoreV1.ListNamespacedEventAsync("default")).Items.Select(e => e.Metadata.Name).Order().ToList();
        }

        Assert.Equal(["counted", "old"], await NamesAfterAsync(TimeSpan.FromMinutes(50)));
        await client.CoreV1.CreateNamespacedEventAsync(Make("recent", time.GetUtcNow().UtcDateTime), "default");
        var counted = await client.CoreV1.ReadNamespacedEventAsync("counted", "default");
        counted.Count = 2;
        counted.LastTimestamp = time.GetUtcNow().UtcDateTime;
        await client.CoreV1.ReplaceNamespacedEventAsync(counted, "counted", "default");

        // An hour and a minute after the first writes: the untouched event is gone, the counted one lives on.
        Assert.Equal(["counted", "recent"], await NamesAfterAsync(TimeSpan.FromMinutes(11)));
        Assert.Empty(await NamesAfterAsync(TimeSpan.FromMinutes(60)));
        try
        {
            Directory.Delete(dir, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
