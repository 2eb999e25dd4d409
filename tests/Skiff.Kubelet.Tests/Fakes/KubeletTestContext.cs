using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client;
using Skiff.Client.Events;
using Skiff.Kubelet.Pods;
using Skiff.Testing;

namespace Skiff.Kubelet.Tests.Fakes;

/// <summary>A kubelet's shared services over fakes (the shared in-memory API with started informers and a real
/// event broadcaster on it), a fake clock and a temp directory removed on dispose.</summary>
public sealed class KubeletTestContext : IDisposable
{
    private readonly CancellationTokenSource stop = new();

    public KubeletTestContext()
    {
        Api = new FakeApiClient(Time);
        Context = ComponentContext.Create(Api, Time, NullLoggerFactory.Instance);
        Recorder = Context.Events.NewRecorder("kubelet", "node-a");
        Runtime = new FakeRuntimeService(Time);
        Root = Directory.CreateTempSubdirectory("skiff-kubelet-test-").FullName;
        Options = new KubeletOptions
        {
            NodeName = "node-a",
            RootDir = Path.Combine(Root, "kubelet"),
            PodLogsDir = Path.Combine(Root, "logs"),
            CgroupRoot = Path.Combine(Root, "cgroup"),
            // The fake runtime has no registry, like the test nodes (--offline-images); tests of pulling turn it off.
            UsePresentImageForPullAlways = true,
        };
        Deps = new PodSyncDependencies(
            Options, new NodeFacts("node-a", "192.0.2.10", 2, 8L << 30), Runtime, Images, Api, Context.Informers, Recorder, Prober, Time, NullLoggerFactory.Instance);
        Context.Informers.Start(stop.Token);
    }

    public string Root { get; }

    public KubeletOptions Options { get; }

    public FakeRuntimeService Runtime { get; }

    public FakeImageService Images { get; } = new();

    public FakeApiClient Api { get; }

    /// <summary>The component context over <see cref="Api"/>: informers started, events written to the fake API.</summary>
    public ComponentContext Context { get; }

    public IEventRecorder Recorder { get; }

    public FakeProber Prober { get; } = new();

    public FakeTimeProvider Time { get; } = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));

    public PodSyncDependencies Deps { get; }

    public PodSyncer Syncer(V1Pod pod) => new(Deps, pod.Metadata.Uid);

    public static V1Pod Pod(string name, params V1Container[] containers) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = "default",
            Uid = $"uid-{name}",
            Labels = new Dictionary<string, string> { ["app"] = name },
        },
        Spec = new V1PodSpec { NodeName = "node-a", RestartPolicy = "Always", Containers = containers.ToList() },
    };

    public static V1Container Container(string name, string image = "busybox", params string[] command) => new()
    {
        Name = name,
        Image = image,
        Command = command.Length > 0 ? command.ToList() : null,
        ImagePullPolicy = "IfNotPresent",
    };

    /// <summary>Puts <paramref name="obj"/> in the API and waits until the informers have it in their caches.</summary>
    public async Task<T> SeedAsync<T>(T obj)
        where T : class, k8s.IKubernetesObject<V1ObjectMeta>
    {
        var seeded = Api.Seed(obj);
        var informer = Context.Informers.Get<T>();
        await informer.WaitForSyncAsync(CancellationToken.None);
        await NodeAgentTests.WaitUntilAsync(() =>
            informer.Cache.Get(seeded.Metadata.NamespaceProperty, seeded.Metadata.Name)?.Metadata.ResourceVersion == seeded.Metadata.ResourceVersion);
        return seeded;
    }

    /// <summary>The events written so far with <paramref name="reason"/>, as <c>type reason fieldPath: message</c>.</summary>
    public IReadOnlyList<string> Events(string reason) =>
        Api.All<Corev1Event>()
            .Where(e => e.Reason == reason)
            .Select(e => $"{e.Type} {e.Reason} {e.InvolvedObject.FieldPath}: {e.Message}")
            .ToList();

    public void Dispose()
    {
        stop.Cancel();
        stop.Dispose();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
