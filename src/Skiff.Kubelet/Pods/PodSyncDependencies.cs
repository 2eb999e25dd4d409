using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Events;
using Skiff.Client.Informers;
using Skiff.Kubelet.Runtime;
using Skiff.Kubelet.Volumes;

namespace Skiff.Kubelet.Pods;

/// <summary>The services shared by all pod workers of one kubelet.</summary>
public sealed class PodSyncDependencies
{
    public PodSyncDependencies(
        KubeletOptions options,
        NodeFacts node,
        IRuntimeService runtime,
        IImageService images,
        IApiClient api,
        SharedInformerFactory informers,
        IEventRecorder recorder,
        IProber prober,
        TimeProvider time,
        ILoggerFactory loggerFactory)
    {
        Options = options;
        Node = node;
        Runtime = runtime;
        Images = images;
        Api = api;
        Recorder = recorder;
        Events = new PodEvents(recorder);
        ConfigObjects = new ConfigObjects(api);
        Prober = prober;
        Time = time;
        LoggerFactory = loggerFactory;
        Paths = new PodPaths(options);
        Snapshots = new RuntimeSnapshots(runtime);
        ImagePresence = new ImagePresence(images, time);
        Sandboxes = new SandboxConfigBuilder(options, Paths);
        Containers = new ContainerConfigBuilder(options);
        // One Service watch per process (shared with the proxy and DNS in skiff server), for the containers' variables.
        var services = informers.Get<k8s.Models.V1Service>();
        Environment = new EnvironmentBuilder(ConfigObjects, new ServiceEnvironment(services.Cache, async cancellationToken =>
        {
            if (services.HasSynced)
            {
                return true;
            }

            // Right after the kubelet starts, give the first list a moment rather than fail the pod's first start.
            using var bounded = new CancellationTokenSource(TimeSpan.FromSeconds(5), time);
            using var linked = CancellationTokenSource.CreateLinkedTokenSource(bounded.Token, cancellationToken);
            try
            {
                await services.WaitForSyncAsync(linked.Token);
                return true;
            }
            catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
            {
                return false;
            }
        }));
        Tokens = new ServiceAccountTokenManager(api, time);
        Volumes = new VolumeManager(ConfigObjects, Paths, Tokens);
        Terminator = new PodTerminator(
            runtime, Volumes, Paths, new CgroupCleaner(options, loggerFactory.CreateLogger<CgroupCleaner>()),
            loggerFactory.CreateLogger<PodTerminator>());
    }

    public KubeletOptions Options { get; }

    /// <summary>Where pod start latency is recorded; none when null.</summary>
    public Observability.KubeletMetrics? Metrics { get; init; }

    public NodeFacts Node { get; }

    public IRuntimeService Runtime { get; }

    public IImageService Images { get; }

    public IApiClient Api { get; }

    /// <summary>Where the kubelet's events about pods go (component <c>kubelet</c>, host the node).</summary>
    public IEventRecorder Recorder { get; }

    /// <summary>The pod and container events, in upstream's words.</summary>
    public PodEvents Events { get; }

    /// <summary>The ConfigMaps and Secrets pods read, fetched by name.</summary>
    public ConfigObjects ConfigObjects { get; }

    public IProber Prober { get; }

    public TimeProvider Time { get; }

    public ILoggerFactory LoggerFactory { get; }

    public PodPaths Paths { get; }

    /// <summary>The node-wide runtime listing the workers' syncs share.</summary>
    public RuntimeSnapshots Snapshots { get; }

    /// <summary>The images the runtime has, asked once for all workers.</summary>
    public ImagePresence ImagePresence { get; }

    public SandboxConfigBuilder Sandboxes { get; }

    public ContainerConfigBuilder Containers { get; }

    public EnvironmentBuilder Environment { get; }

    /// <summary>The service account tokens projected into pods, renewed before they expire.</summary>
    public ServiceAccountTokenManager Tokens { get; }

    public VolumeManager Volumes { get; }

    public PodTerminator Terminator { get; }
}
