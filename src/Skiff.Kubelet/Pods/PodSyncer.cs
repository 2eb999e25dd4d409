using Grpc.Core;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Cri.V1;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// Drives one pod to its spec through CRI and computes its status. Each <see cref="SyncAsync"/> reads the runtime's
/// view of the pod (so a restarted kubelet adopts what is running), then acts: sandbox, init containers one at a
/// time, containers, restarts with back-off, probes. Owned by one pod worker; not thread-safe.
/// </summary>
public sealed class PodSyncer
{
    private readonly PodSyncDependencies deps;
    private readonly string uid;
    private readonly RuntimeObserver observer;
    private readonly BackOff backOff;
    private readonly ILogger logger;
    private readonly Dictionary<string, WaitingReason> waiting = new(StringComparer.Ordinal);
    private readonly Dictionary<string, ContainerProbes> probes = new(StringComparer.Ordinal);
    private readonly Dictionary<string, uint> attempts = new(StringComparer.Ordinal);
    private DateTime? startTime;
    private V1PodStatus? lastStatus;
    private long? firstSeen;
    private bool startRecorded;

    public PodSyncer(PodSyncDependencies deps, string podUid)
    {
        ArgumentNullException.ThrowIfNull(deps);
        this.deps = deps;
        uid = podUid;
        observer = new RuntimeObserver(deps.Runtime, podUid, deps.Snapshots);
        backOff = BackOff.ForContainers(deps.Time);
        logger = deps.LoggerFactory.CreateLogger<PodSyncer>();
    }

    /// <summary>Succeeded or Failed once the pod has finished; it is then never started again.</summary>
    public string? TerminalPhase { get; private set; }

    public Task<V1PodStatus> SyncAsync(V1Pod pod, CancellationToken cancellationToken) => SyncAsync(pod, periodic: false, cancellationToken);

    /// <summary>One sync; <paramref name="periodic"/> when nothing but the resync timer woke the worker, which may
    /// then read the pod's state from the node-wide listing shared with the other workers.</summary>
    public async Task<V1PodStatus> SyncAsync(V1Pod pod, bool periodic, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        startTime ??= pod.Status?.StartTime ?? deps.Time.GetUtcNow().UtcDateTime;
        if (firstSeen is null)
        {
            firstSeen = deps.Time.GetTimestamp();
            // A pod that was already running when this kubelet met it (adopted after a restart) did not start now.
            startRecorded = pod.Status?.Phase == PodStatusBuilder.Running;
        }

        var status = await SyncOnceAsync(pod, periodic, cancellationToken);
        if (!startRecorded && status.Phase == PodStatusBuilder.Running)
        {
            startRecorded = true;
            deps.Metrics?.ObservePodStart(deps.Time.GetElapsedTime(firstSeen.Value));
        }

        return status;
    }

    private async Task<V1PodStatus> SyncOnceAsync(V1Pod pod, bool periodic, CancellationToken cancellationToken)
    {
        var observed = await ObserveAsync(periodic, cancellationToken);
        if (TerminalPhase is null)
        {
            var phase = StatusOf(pod, observed).Phase;
            if (phase is PodStatusBuilder.Succeeded or PodStatusBuilder.Failed)
            {
                TerminalPhase = phase;
                logger.LogInformation("pod {Pod} finished: {Phase}", Describe(pod), phase);
            }
        }

        if (TerminalPhase is not null)
        {
            if (observed.SandboxReady)
            {
                await deps.Terminator.StopContainersAsync(uid, GracePeriod(pod), cancellationToken);
                await deps.Runtime.StopPodSandboxAsync(observed.Sandbox!.Id, cancellationToken);
                observed = await ObserveAsync(cancellationToken);
            }

            return StatusOf(pod, observed);
        }

        if (await ReconcileAsync(pod, observed, cancellationToken))
        {
            observed = await ObserveAsync(cancellationToken);
        }

        if (await RunProbesAsync(pod, observed, cancellationToken))
        {
            observed = await ObserveAsync(cancellationToken);
        }

        return StatusOf(pod, observed);
    }

    /// <summary>Stops and removes everything of the pod and cleans its directories and cgroups.</summary>
    public Task TerminateAsync(V1Pod pod, long gracePeriodSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        logger.LogInformation("tearing down pod {Pod} with a grace period of {Grace}s", Describe(pod), gracePeriodSeconds);
        return deps.Terminator.TeardownAsync(
            uid, pod.Metadata.NamespaceProperty ?? "default", pod.Metadata.Name, gracePeriodSeconds, cancellationToken);
    }

    /// <summary>The grace period for stopping the pod's containers: the deletion's, else the spec's, else 30 s.</summary>
    public static long GracePeriod(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return pod.Metadata.DeletionGracePeriodSeconds ?? pod.Spec.TerminationGracePeriodSeconds ?? 30;
    }

    private Task<ObservedPod> ObserveAsync(CancellationToken cancellationToken) => ObserveAsync(shared: false, cancellationToken);

    private async Task<ObservedPod> ObserveAsync(bool shared, CancellationToken cancellationToken)
    {
        var observed = shared
            ? await observer.ObserveSharedAsync(cancellationToken)
            : await observer.ObserveAsync(cancellationToken);
        foreach (var container in observed.Containers)
        {
            var name = container.Metadata.Name;
            if (!attempts.TryGetValue(name, out var seen) || container.Metadata.Attempt > seen)
            {
                attempts[name] = container.Metadata.Attempt;
            }
        }

        return observed;
    }

    private V1PodStatus StatusOf(V1Pod pod, ObservedPod observed) => lastStatus = PodStatusBuilder.Build(new PodStatusInput
    {
        Pod = pod,
        Previous = lastStatus ?? pod.Status,
        Observed = observed,
        Waiting = new Dictionary<string, WaitingReason>(waiting),
        Probes = probes.ToDictionary(p => p.Key, p => p.Value.Result),
        HostIp = deps.Node.HostIp,
        StartTime = startTime ?? deps.Time.GetUtcNow().UtcDateTime,
        TerminalPhase = TerminalPhase,
        Now = deps.Time.GetUtcNow().UtcDateTime,
    });

    /// <summary>One round of actions; true when it changed something in the runtime.</summary>
    private async Task<bool> ReconcileAsync(V1Pod pod, ObservedPod observed, CancellationToken cancellationToken)
    {
        var acted = false;
        if (!observed.SandboxReady)
        {
            if (!await CreateSandboxAsync(pod, observed, cancellationToken))
            {
                return true;
            }

            acted = true;
            observed = await ObserveAsync(cancellationToken);
            if (!observed.SandboxReady)
            {
                return true;
            }
        }

        var sandbox = observed.Sandbox!;
        var sandboxConfig = deps.Sandboxes.Build(pod, sandbox.Metadata.Attempt);
        var facts = new PodNetworkFacts(
            deps.Node.NodeName, deps.Node.HostIp, observed.PodIp, deps.Node.Cpu, deps.Node.MemoryBytes);
        var policy = pod.Spec.RestartPolicy ?? "Always";

        foreach (var init in pod.Spec.InitContainers ?? [])
        {
            var current = observed.Latest(init.Name);
            if (current is null)
            {
                return await StartAsync(pod, init, isInit: true, sandbox.Id, sandboxConfig, facts, cancellationToken) | acted;
            }

            if (current.State == ContainerState.ContainerCreated)
            {
                return await StartCreatedAsync(current, cancellationToken) | acted;
            }

            if (current.State != ContainerState.ContainerExited)
            {
                return acted;
            }

            if (current.ExitCode == 0)
            {
                continue;
            }

            if (policy == "Never")
            {
                return acted;
            }

            return await RestartAsync(pod, init, current, isInit: true, sandbox.Id, sandboxConfig, facts, cancellationToken)
                | acted;
        }

        foreach (var container in pod.Spec.Containers ?? [])
        {
            var current = observed.Latest(container.Name);
            if (current is null)
            {
                acted |= await StartAsync(pod, container, isInit: false, sandbox.Id, sandboxConfig, facts, cancellationToken);
            }
            else if (current.State == ContainerState.ContainerCreated)
            {
                acted |= await StartCreatedAsync(current, cancellationToken);
            }
            else if (current.State == ContainerState.ContainerExited && ShouldRestart(policy, current.ExitCode))
            {
                acted |= await RestartAsync(
                    pod, container, current, isInit: false, sandbox.Id, sandboxConfig, facts, cancellationToken);
            }
        }

        acted |= await RemoveOldInstancesAsync(pod, observed, cancellationToken);
        return acted;
    }

    private static bool ShouldRestart(string policy, int exitCode) =>
        policy == "Always" || (policy == "OnFailure" && exitCode != 0);

    private async Task<bool> CreateSandboxAsync(V1Pod pod, ObservedPod observed, CancellationToken cancellationToken)
    {
        // A dead sandbox takes its containers with it: remove it and start over with the next attempt, as the
        // kubelet does when the pod's network namespace is gone.
        foreach (var old in observed.Sandboxes)
        {
            await deps.Terminator.RemoveSandboxAsync(old.Id, cancellationToken);
        }

        var attempt = observed.Sandbox is null ? 0u : observed.Sandbox.Metadata.Attempt + 1;
        var config = deps.Sandboxes.Build(pod, attempt);
        Directory.CreateDirectory(config.LogDirectory);
        try
        {
            await deps.Runtime.RunPodSandboxAsync(config, cancellationToken);
            logger.LogInformation("started sandbox of pod {Pod} (attempt {Attempt})", Describe(pod), attempt);
            return true;
        }
        catch (RpcException e)
        {
            logger.LogWarning("RunPodSandbox for pod {Pod} failed: {Error}", Describe(pod), e.Status.Detail);
            foreach (var container in (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers ?? []))
            {
                waiting[container.Name] = new WaitingReason("ContainerCreating", "");
            }

            return false;
        }
    }

    private async Task<bool> RestartAsync(
        V1Pod pod,
        V1Container container,
        ContainerStatus dead,
        bool isInit,
        string sandboxId,
        PodSandboxConfig sandboxConfig,
        PodNetworkFacts facts,
        CancellationToken cancellationToken)
    {
        var finishedAt = dead.FinishedAt > 0
            ? new DateTimeOffset(PodStatusBuilder.FromNanos(dead.FinishedAt), TimeSpan.Zero)
            : deps.Time.GetUtcNow();
        if (backOff.IsInBackOffSince(container.Name, finishedAt))
        {
            waiting[container.Name] = new WaitingReason(
                "CrashLoopBackOff",
                $"back-off {GoDuration.Format(backOff.Current(container.Name))} restarting failed container={container.Name} " +
                $"pod={pod.Metadata.Name}_{pod.Metadata.NamespaceProperty ?? "default"}({uid})");
            return false;
        }

        backOff.Next(container.Name);
        return await StartAsync(pod, container, isInit, sandboxId, sandboxConfig, facts, cancellationToken);
    }

    private async Task<bool> StartCreatedAsync(ContainerStatus created, CancellationToken cancellationToken)
    {
        try
        {
            await deps.Runtime.StartContainerAsync(created.Id, cancellationToken);
        }
        catch (RpcException e)
        {
            logger.LogWarning("starting container {Id} failed: {Error}", created.Id, e.Status.Detail);
        }

        observer.Invalidate(created.Id);
        return true;
    }

    /// <summary>Image, volumes, env, then CreateContainer and StartContainer with the next attempt number.</summary>
    private async Task<bool> StartAsync(
        V1Pod pod,
        V1Container container,
        bool isInit,
        string sandboxId,
        PodSandboxConfig sandboxConfig,
        PodNetworkFacts facts,
        CancellationToken cancellationToken)
    {
        var name = container.Name;
        if (!await EnsureImageAsync(container, sandboxConfig, cancellationToken))
        {
            return false;
        }

        ContainerConfig config;
        var attempt = attempts.TryGetValue(name, out var last) ? last + 1 : 0u;
        try
        {
            var volumes = await deps.Volumes.PrepareAsync(pod, facts, cancellationToken);
            var env = await deps.Environment.BuildAsync(pod, container, facts, cancellationToken);
            config = deps.Containers.Build(pod, container, attempt, isInit, env, volumes, deps.Node.MemoryBytes);
        }
        catch (ContainerConfigException e)
        {
            waiting[name] = new WaitingReason("CreateContainerConfigError", e.Message);
            return false;
        }

        string id;
        try
        {
            id = await deps.Runtime.CreateContainerAsync(sandboxId, config, sandboxConfig, cancellationToken);
        }
        catch (RpcException e)
        {
            logger.LogWarning("CreateContainer {Container} of pod {Pod} failed: {Error}", name, Describe(pod), e.Status.Detail);
            waiting[name] = new WaitingReason("CreateContainerError", e.Status.Detail);
            return false;
        }

        attempts[name] = attempt;
        waiting.Remove(name);
        try
        {
            await deps.Runtime.StartContainerAsync(id, cancellationToken);
            logger.LogInformation("started container {Container} of pod {Pod} (attempt {Attempt})", name, Describe(pod), attempt);
        }
        catch (RpcException e)
        {
            // The container stays EXITED with reason StartError; the next sync restarts it with back-off.
            logger.LogWarning("StartContainer {Container} of pod {Pod} failed: {Error}", name, Describe(pod), e.Status.Detail);
        }

        return true;
    }

    /// <summary>ImageStatus first; PullImage only for a missing image (a pull always goes to the registry).</summary>
    private async Task<bool> EnsureImageAsync(V1Container container, PodSandboxConfig sandboxConfig, CancellationToken cancellationToken)
    {
        var name = container.Name;
        var image = container.Image;
        var spec = new ImageSpec { Image = image };
        var present = await deps.Images.ImageStatusAsync(spec, cancellationToken);
        var policy = container.ImagePullPolicy ?? DefaultPullPolicy(image);
        if (present is not null && (policy != "Always" || deps.Options.UsePresentImageForPullAlways))
        {
            return true;
        }

        if (present is null && policy == "Never")
        {
            waiting[name] = new WaitingReason(
                "ErrImageNeverPull", $"Container image \"{image}\" is not present with pull policy of Never");
            return false;
        }

        var key = "pull/" + image;
        if (backOff.IsInBackOffSinceUpdate(key))
        {
            waiting[name] = new WaitingReason("ImagePullBackOff", $"Back-off pulling image \"{image}\"");
            return false;
        }

        try
        {
            await deps.Images.PullImageAsync(spec, sandboxConfig, cancellationToken);
            return true;
        }
        catch (RpcException e)
        {
            backOff.Next(key);
            logger.LogWarning("pulling image {Image} failed: {Error}", image, e.Status.Detail);
            waiting[name] = new WaitingReason("ErrImagePull", e.Status.Detail);
            return false;
        }
    }

    /// <summary>Always for an untagged or <c>:latest</c> image, IfNotPresent otherwise (the API server's default).</summary>
    public static string DefaultPullPolicy(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        if (image.Contains('@', StringComparison.Ordinal))
        {
            return "IfNotPresent";
        }

        var lastSlash = image.LastIndexOf('/');
        var colon = image.IndexOf(':', lastSlash + 1);
        return colon < 0 || image[(colon + 1)..] == "latest" ? "Always" : "IfNotPresent";
    }

    /// <summary>Keeps the newest and the previous instance of each container (the previous one is lastState).</summary>
    private async Task<bool> RemoveOldInstancesAsync(V1Pod pod, ObservedPod observed, CancellationToken cancellationToken)
    {
        var acted = false;
        foreach (var group in observed.Containers.GroupBy(c => c.Metadata.Name))
        {
            foreach (var old in observed.Instances(group.Key).Skip(2).Where(c => c.State == ContainerState.ContainerExited))
            {
                try
                {
                    await deps.Runtime.RemoveContainerAsync(old.Id, cancellationToken);
                    acted = true;
                }
                catch (RpcException e)
                {
                    logger.LogDebug("removing old container {Id} of {Pod} failed: {Error}", old.Id, Describe(pod), e.Status.Detail);
                }
            }
        }

        return acted;
    }

    /// <summary>Runs due probes of running containers; kills a container whose liveness or startup probe failed.</summary>
    private async Task<bool> RunProbesAsync(V1Pod pod, ObservedPod observed, CancellationToken cancellationToken)
    {
        var killed = false;
        var live = new HashSet<string>(StringComparer.Ordinal);
        var now = deps.Time.GetUtcNow();
        foreach (var container in pod.Spec.Containers ?? [])
        {
            var current = observed.Latest(container.Name);
            if (current?.State != ContainerState.ContainerRunning
                || (container.StartupProbe is null && container.LivenessProbe is null && container.ReadinessProbe is null))
            {
                continue;
            }

            live.Add(current.Id);
            if (!probes.TryGetValue(current.Id, out var state))
            {
                state = new ContainerProbes(current.Id, new DateTimeOffset(PodStatusBuilder.FromNanos(current.StartedAt), TimeSpan.Zero));
                probes[current.Id] = state;
            }

            var podIp = observed.PodIp;
            var kill = await state.RunDueAsync(
                container, now, probe => deps.Prober.ProbeAsync(probe, container, current.Id, podIp, cancellationToken));
            if (kill is null)
            {
                continue;
            }

            var probeSpec = kill.StartsWith("Startup", StringComparison.Ordinal) ? container.StartupProbe : container.LivenessProbe;
            var grace = probeSpec?.TerminationGracePeriodSeconds ?? pod.Spec.TerminationGracePeriodSeconds ?? 30;
            logger.LogInformation("{Reason} for container {Container} of pod {Pod}; killing it", kill, container.Name, Describe(pod));
            try
            {
                await deps.Runtime.StopContainerAsync(current.Id, Math.Max(PodTerminator.MinimumGracePeriodSeconds, grace), cancellationToken);
            }
            catch (RpcException e)
            {
                logger.LogWarning("stopping container {Id} failed: {Error}", current.Id, e.Status.Detail);
            }

            observer.Invalidate(current.Id);
            killed = true;
        }

        foreach (var stale in probes.Keys.Where(id => !live.Contains(id)).ToList())
        {
            probes.Remove(stale);
        }

        return killed;
    }

    private static string Describe(V1Pod pod) => $"{pod.Metadata.NamespaceProperty ?? "default"}/{pod.Metadata.Name}";
}
