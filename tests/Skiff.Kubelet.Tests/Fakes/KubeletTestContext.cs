using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Pods;

namespace Skiff.Kubelet.Tests.Fakes;

/// <summary>A kubelet's shared services over fakes, a fake clock and a temp directory removed on dispose.</summary>
public sealed class KubeletTestContext : IDisposable
{
    public KubeletTestContext()
    {
        Runtime = new FakeRuntimeService(Time);
        Root = Directory.CreateTempSubdirectory("skiff-kubelet-test-").FullName;
        Options = new KubeletOptions
        {
            NodeName = "node-a",
            RootDir = Path.Combine(Root, "kubelet"),
            PodLogsDir = Path.Combine(Root, "logs"),
            CgroupRoot = Path.Combine(Root, "cgroup"),
        };
        Deps = new PodSyncDependencies(
            Options, new NodeFacts("node-a", "192.0.2.10", 2, 8L << 30), Runtime, Images, Api, Prober, Time, NullLoggerFactory.Instance);
    }

    public string Root { get; }

    public KubeletOptions Options { get; }

    public FakeRuntimeService Runtime { get; }

    public FakeImageService Images { get; } = new();

    public FakeKubeletApi Api { get; } = new();

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

    public void Dispose()
    {
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
        }
    }
}
