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
    private ObservedPod? lastLook;
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

    /// <summary>One sync: looks at the pod in the runtime, acts towards its spec, and returns its status.</summary>
    public async Task<V1PodStatus> SyncAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        startTime ??= pod.Status?.StartTime ?? deps.Time.GetUtcNow().UtcDateTime;
        if (firstSeen is null)
        {
            firstSeen = deps.Time.GetTimestamp();
            // A pod that was already running when this kubelet met it (adopted after a restart) did not start now.
            startRecorded = pod.Status?.Phase == PodStatusBuilder.Running;
        }

        var status = await SyncOnceAsync(pod, cancellationToken);
        if (!startRecorded && status.Phase == PodStatusBuilder.Running)
        {
            startRecorded = true;
            deps.Metrics?.ObservePodStart(deps.Time.GetElapsedTime(firstSeen.Value));
        }

        return status;
    }

    private async Task<V1PodStatus> SyncOnceAsync(V1Pod pod, CancellationToken cancellationToken)
    {
        // Set again only when this sync completes: one that failed half-way may have left what its look lacks.
        lastLook = null;
        var observed = Track(await observer.ObserveAsync(cancellationToken));
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
                if (RunningContainers(observed) is { } running)
                {
                    await deps.Terminator.StopContainersAsync(running, GracePeriod(pod), cancellationToken);
                }
                else
                {
                    await deps.Terminator.StopContainersAsync(uid, GracePeriod(pod), cancellationToken);
                }

                await deps.Runtime.StopPodSandboxAsync(observed.Sandbox!.Id, cancellationToken);
                observed = Track(await observer.ObserveAfterChangeAsync(cancellationToken));
            }

            lastLook = observed;
            return StatusOf(pod, observed);
        }

        observed = await ReconcileAsync(pod, observed, cancellationToken);
        observed = await RunProbesAsync(pod, observed, cancellationToken);
        lastLook = observed;
        return StatusOf(pod, observed);
    }

    /// <summary>The running containers of the pod when <paramref name="look"/> holds all of them; null when it does
    /// not (it has the containers of the newest sandbox only, so a pod with older sandboxes must be listed).</summary>
    private static List<string>? RunningContainers(ObservedPod look) =>
        look.Sandboxes.Count <= 1
            ? look.Containers.Where(c => c.State == ContainerState.ContainerRunning).Select(c => c.Id).ToList()
            : null;

    /// <summary>Stops and removes everything of the pod and cleans its directories and cgroups.</summary>
    public Task TerminateAsync(V1Pod pod, long gracePeriodSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        logger.LogInformation("tearing down pod {Pod} with a grace period of {Grace}s", Describe(pod), gracePeriodSeconds);
        var namespaceName = pod.Metadata.NamespaceProperty ?? "default";
        // The last complete sync's look holds everything that runs for the pod, as only this worker runs its sandboxes
        // and containers (one that exited since is stopped harmlessly); without one, the runtime is listed.
        if (lastLook is { } look && RunningContainers(look) is { } running)
        {
            foreach (var container in look.Containers.Where(c => c.State == ContainerState.ContainerRunning))
            {
                if (SpecOf(pod, container.Metadata.Name) is { } spec)
                {
                    deps.Events.Killing(pod, spec);
                }
            }

            return deps.Terminator.TeardownAsync(
                uid, namespaceName, pod.Metadata.Name, gracePeriodSeconds, look.Sandboxes.Select(s => s.Id).ToList(), running,
                cancellationToken);
        }

        return deps.Terminator.TeardownAsync(uid, namespaceName, pod.Metadata.Name, gracePeriodSeconds, cancellationToken);
    }

    /// <summary>The grace period for stopping the pod's containers: the deletion's, else the spec's, else 30 s.</summary>
    public static long GracePeriod(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return pod.Metadata.DeletionGracePeriodSeconds ?? pod.Spec.TerminationGracePeriodSeconds ?? 30;
    }

    /// <summary>Notes the highest attempt of each container seen, so a new instance gets the next one.</summary>
    private ObservedPod Track(ObservedPod observed)
    {
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

    /// <summary>One round of actions; returns the pod as the runtime has it afterwards.</summary>
    private async Task<ObservedPod> ReconcileAsync(V1Pod pod, ObservedPod observed, CancellationToken cancellationToken)
    {
        if (!observed.SandboxReady)
        {
            observed = await CreateSandboxAsync(pod, observed, cancellationToken);
            if (!observed.SandboxReady)
            {
                return observed;
            }
        }

        var sandbox = observed.Sandbox!;
        var target = new ContainerTarget(
            pod,
            sandbox.Id,
            deps.Sandboxes.Build(pod, sandbox.Metadata.Attempt),
            new PodNetworkFacts(deps.Node.NodeName, deps.Node.HostIp, observed.PodIp, deps.Node.Cpu, deps.Node.MemoryBytes));
        await deps.Volumes.RefreshTokensAsync(pod, target.Facts, cancellationToken);
        var changes = new ContainerChanges();
        if (await RunInitContainersAsync(target, observed, changes, cancellationToken))
        {
            await RunContainersAsync(target, observed, changes, cancellationToken);
            await RunEphemeralContainersAsync(target, observed, changes, cancellationToken);
            await RemoveOldInstancesAsync(pod, observed, changes, cancellationToken);
        }

        return Track(await observer.ContainersChangedAsync(observed, changes, cancellationToken));
    }

    /// <summary>Advances the init containers one at a time; true once all have completed.</summary>
    private async Task<bool> RunInitContainersAsync(
        ContainerTarget target, ObservedPod observed, ContainerChanges changes, CancellationToken cancellationToken)
    {
        var policy = target.Pod.Spec.RestartPolicy ?? "Always";
        foreach (var init in target.Pod.Spec.InitContainers ?? [])
        {
            var current = observed.Latest(init.Name);
            if (current is null)
            {
                await StartAsync(target, init, isInit: true, changes, cancellationToken);
                return false;
            }

            if (current.State == ContainerState.ContainerCreated)
            {
                await StartCreatedAsync(current, changes, cancellationToken);
                return false;
            }

            if (current.State != ContainerState.ContainerExited)
            {
                return false;
            }

            if (current.ExitCode == 0)
            {
                continue;
            }

            if (policy != "Never")
            {
                await RestartAsync(target, init, current, isInit: true, changes, cancellationToken);
            }

            return false;
        }

        return true;
    }

    /// <summary>Starts every container that has no instance yet, or whose last one exited and should restart.</summary>
    private async Task RunContainersAsync(
        ContainerTarget target, ObservedPod observed, ContainerChanges changes, CancellationToken cancellationToken)
    {
        var policy = target.Pod.Spec.RestartPolicy ?? "Always";
        foreach (var container in target.Pod.Spec.Containers ?? [])
        {
            var current = observed.Latest(container.Name);
            if (current is null)
            {
                await StartAsync(target, container, isInit: false, changes, cancellationToken);
            }
            else if (current.State == ContainerState.ContainerCreated)
            {
                await StartCreatedAsync(current, changes, cancellationToken);
            }
            else if (current.State == ContainerState.ContainerExited && ShouldRestart(policy, current.ExitCode))
            {
                await RestartAsync(target, container, current, isInit: false, changes, cancellationToken);
            }
        }
    }

    /// <summary>Starts each ephemeral container once, in its target container's process namespace when it names
    /// one that runs; it is never restarted (upstream's kubelet likewise).</summary>
    private async Task RunEphemeralContainersAsync(
        ContainerTarget target, ObservedPod observed, ContainerChanges changes, CancellationToken cancellationToken)
    {
        foreach (var ephemeral in target.Pod.Spec.EphemeralContainers ?? [])
        {
            var current = observed.Latest(ephemeral.Name);
            if (current is null)
            {
                var pidTarget = ephemeral.TargetContainerName is { Length: > 0 } targetName
                    ? observed.Latest(targetName) is { State: ContainerState.ContainerRunning } running ? running.Id : null
                    : null;
                if (ephemeral.TargetContainerName is { Length: > 0 } && pidTarget is null)
                {
                    continue; // the target is not running (yet): start once it is, so ps shows its processes
                }

                await StartAsync(target, EphemeralContainers.AsContainer(ephemeral), isInit: false, changes, cancellationToken, pidTarget);
            }
            else if (current.State == ContainerState.ContainerCreated)
            {
                await StartCreatedAsync(current, changes, cancellationToken);
            }
        }
    }

    private static bool ShouldRestart(string policy, int exitCode) =>
        policy == "Always" || (policy == "OnFailure" && exitCode != 0);

    /// <summary>Runs the pod's next sandbox; returns the pod as it is afterwards (only that sandbox once it runs).</summary>
    private async Task<ObservedPod> CreateSandboxAsync(V1Pod pod, ObservedPod observed, CancellationToken cancellationToken)
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
        string id;
        try
        {
            id = await deps.Runtime.RunPodSandboxAsync(config, cancellationToken);
            logger.LogInformation("started sandbox of pod {Pod} (attempt {Attempt})", Describe(pod), attempt);
        }
        catch (RpcException e)
        {
            logger.LogWarning("RunPodSandbox for pod {Pod} failed: {Error}", Describe(pod), e.Status.Detail);
            deps.Events.FailedCreatePodSandBox(pod, e.Status.Detail);
            foreach (var container in (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers ?? []))
            {
                waiting[container.Name] = new WaitingReason("ContainerCreating", "");
            }

            return Track(await observer.ObserveAfterChangeAsync(cancellationToken));
        }

        return Track(await observer.SandboxStartedAsync(id, cancellationToken));
    }

    private async Task RestartAsync(
        ContainerTarget target,
        V1Container container,
        ContainerStatus dead,
        bool isInit,
        ContainerChanges changes,
        CancellationToken cancellationToken)
    {
        var finishedAt = dead.FinishedAt > 0
            ? new DateTimeOffset(PodStatusBuilder.FromNanos(dead.FinishedAt), TimeSpan.Zero)
            : deps.Time.GetUtcNow();
        if (backOff.IsInBackOffSince(container.Name, finishedAt))
        {
            var pod = target.Pod;
            deps.Events.BackOff(pod, container);
            waiting[container.Name] = new WaitingReason(
                "CrashLoopBackOff",
                $"back-off {GoDuration.Format(backOff.Current(container.Name))} restarting failed container={container.Name} " +
                $"pod={pod.Metadata.Name}_{pod.Metadata.NamespaceProperty ?? "default"}({uid})");
            return;
        }

        backOff.Next(container.Name);
        await StartAsync(target, container, isInit, changes, cancellationToken);
    }

    private async Task StartCreatedAsync(ContainerStatus created, ContainerChanges changes, CancellationToken cancellationToken)
    {
        try
        {
            await deps.Runtime.StartContainerAsync(created.Id, cancellationToken);
        }
        catch (RpcException e)
        {
            logger.LogWarning("starting container {Id} failed: {Error}", created.Id, e.Status.Detail);
        }

        changes.Touched(created.Id);
    }

    /// <summary>Image, volumes, env, then CreateContainer and StartContainer with the next attempt number.</summary>
    private async Task StartAsync(
        ContainerTarget target, V1Container container, bool isInit, ContainerChanges changes, CancellationToken cancellationToken,
        string? pidNamespaceOf = null)
    {
        var pod = target.Pod;
        var name = container.Name;
        if (!await EnsureImageAsync(pod, container, target.SandboxConfig, cancellationToken))
        {
            return;
        }

        ContainerConfig config;
        var attempt = attempts.TryGetValue(name, out var last) ? last + 1 : 0u;
        try
        {
            IReadOnlyDictionary<string, string> volumes;
            try
            {
                volumes = await deps.Volumes.PrepareAsync(pod, target.Facts, cancellationToken);
            }
            catch (ContainerConfigException e)
            {
                deps.Events.FailedMount(pod, $"MountVolume.SetUp failed for volume \"{e.Volume}\" : {e.Message}");
                throw;
            }

            var env = await deps.Environment.BuildAsync(pod, container, target.Facts, cancellationToken);
            config = deps.Containers.Build(pod, container, attempt, isInit, env, volumes, deps.Node.MemoryBytes);
            if (!config.Mounts.Any(m => m.ContainerPath == "/etc/hosts"))
            {
                // The kubelet-managed /etc/hosts (pod IP, hostname, hostAliases).
                var podIp = pod.Spec.HostNetwork == true ? target.Facts.HostIp : target.Facts.PodIp;
                var hosts = await PodHostsFile.WriteAsync(deps.Paths, pod, podIp, deps.Options.ClusterDomain, cancellationToken);
                config.Mounts.Add(new Mount { ContainerPath = "/etc/hosts", HostPath = hosts });
            }

            if (pidNamespaceOf is not null)
            {
                // kubectl debug --target: the container joins that container's PID namespace (CRI's TARGET mode).
                config.Linux.SecurityContext.NamespaceOptions.Pid = NamespaceMode.Target;
                config.Linux.SecurityContext.NamespaceOptions.TargetId = pidNamespaceOf;
            }
        }
        catch (ContainerConfigException e)
        {
            waiting[name] = new WaitingReason("CreateContainerConfigError", e.Message);
            deps.Events.Failed(pod, container, e.Message);
            return;
        }

        string id;
        try
        {
            id = await deps.Runtime.CreateContainerAsync(target.SandboxId, config, target.SandboxConfig, cancellationToken);
        }
        catch (RpcException e)
        {
            logger.LogWarning("CreateContainer {Container} of pod {Pod} failed: {Error}", name, Describe(pod), e.Status.Detail);
            waiting[name] = new WaitingReason("CreateContainerError", e.Status.Detail);
            deps.Events.Failed(pod, container, e.Status.Detail);
            // The image may have been removed behind the kubelet's back: ask the runtime again next time.
            deps.ImagePresence.Forget(container.Image);
            return;
        }

        attempts[name] = attempt;
        waiting.Remove(name);
        changes.Touched(id);
        deps.Events.Created(pod, container);
        try
        {
            await deps.Runtime.StartContainerAsync(id, cancellationToken);
            deps.Events.Started(pod, container);
            logger.LogInformation("started container {Container} of pod {Pod} (attempt {Attempt})", name, Describe(pod), attempt);
        }
        catch (RpcException e)
        {
            // The container stays EXITED with reason StartError; the next sync restarts it with back-off.
            logger.LogWarning("StartContainer {Container} of pod {Pod} failed: {Error}", name, Describe(pod), e.Status.Detail);
            deps.Events.Failed(pod, container, e.Status.Detail);
        }
    }

    /// <summary>Whether the runtime has the image first; PullImage only for a missing image (a pull always goes to the
    /// registry), or for every start with <c>imagePullPolicy: Always</c> when present images may not stand in.</summary>
    private async Task<bool> EnsureImageAsync(V1Pod pod, V1Container container, PodSandboxConfig sandboxConfig, CancellationToken cancellationToken)
    {
        var name = container.Name;
        var image = container.Image;
        var policy = container.ImagePullPolicy ?? DefaultPullPolicy(image);
        var mustPull = policy == "Always" && !deps.Options.UsePresentImageForPullAlways;
        if (!mustPull && await deps.ImagePresence.IsPresentAsync(image, cancellationToken))
        {
            deps.Events.AlreadyPresent(pod, container, image);
            return true;
        }

        if (policy == "Never")
        {
            waiting[name] = new WaitingReason(
                "ErrImageNeverPull", $"Container image \"{image}\" is not present with pull policy of Never");
            deps.Events.NeverPull(pod, container, image);
            return false;
        }

        var key = "pull/" + image;
        if (backOff.IsInBackOffSinceUpdate(key))
        {
            waiting[name] = new WaitingReason("ImagePullBackOff", $"Back-off pulling image \"{image}\"");
            deps.Events.PullBackOff(pod, container, image);
            return false;
        }

        try
        {
            deps.Events.Pulling(pod, container, image);
            var pullStarted = deps.Time.GetTimestamp();
            await PullWithCredentialsAsync(pod, image, sandboxConfig, cancellationToken);
            var took = deps.Time.GetElapsedTime(pullStarted);
            deps.ImagePresence.Present(image);
            // The size for the event, as upstream's image manager asks the runtime for it after a pull.
            var pulled = await deps.Images.ImageStatusAsync(new ImageSpec { Image = image }, cancellationToken);
            deps.Events.Pulled(pod, container, image, took, (long)(pulled?.Size ?? 0));
            return true;
        }
        catch (RpcException e)
        {
            backOff.Next(key);
            logger.LogWarning("pulling image {Image} failed: {Error}", image, e.Status.Detail);
            waiting[name] = new WaitingReason("ErrImagePull", e.Status.Detail);
            deps.Events.PullFailed(pod, container, image, e.Status.Detail);
            return false;
        }
    }

    /// <summary>As upstream's image manager: without a matching pull secret one anonymous pull; otherwise each
    /// matching credential in turn until one works (the errors of all when none does).</summary>
    private async Task PullWithCredentialsAsync(V1Pod pod, string image, PodSandboxConfig sandboxConfig, CancellationToken cancellationToken)
    {
        var secrets = await Images.PodPullSecrets.ForPodAsync(pod, deps.ConfigObjects, cancellationToken);
        if (secrets.Missing.Count > 0)
        {
            deps.Events.FailedToRetrieveImagePullSecret(pod, secrets.Missing);
        }

        var spec = new ImageSpec { Image = image };
        var credentials = secrets.Keyring.Lookup(image);
        if (credentials.Count == 0)
        {
            await deps.Images.PullImageAsync(spec, null, sandboxConfig, cancellationToken);
            return;
        }

        var errors = new List<string>();
        foreach (var credential in credentials)
        {
            // No ServerAddress, as upstream: containerd would then send the credentials only to a host equal to the
            // key's, and the key (index.docker.io, host:port without a scheme) rarely is the host it talks to.
            var auth = new AuthConfig { Username = credential.Username, Password = credential.Password };
            if (credential.IdentityToken is { Length: > 0 } token)
            {
                auth.IdentityToken = token;
            }

            try
            {
                await deps.Images.PullImageAsync(spec, auth, sandboxConfig, cancellationToken);
                return;
            }
            catch (RpcException e) when (e.StatusCode != StatusCode.Cancelled)
            {
                errors.Add(e.Status.Detail);
            }
        }

        // One error reads as itself; several as upstream's aggregate "[a, b]".
        throw new RpcException(new Status(StatusCode.Unknown, errors.Count == 1 ? errors[0] : "[" + string.Join(", ", errors) + "]"));
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
    private async Task RemoveOldInstancesAsync(
        V1Pod pod, ObservedPod observed, ContainerChanges changes, CancellationToken cancellationToken)
    {
        foreach (var group in observed.Containers.GroupBy(c => c.Metadata.Name))
        {
            foreach (var old in observed.Instances(group.Key).Skip(2).Where(c => c.State == ContainerState.ContainerExited))
            {
                try
                {
                    await deps.Runtime.RemoveContainerAsync(old.Id, cancellationToken);
                    changes.Gone(old.Id);
                }
                catch (RpcException e)
                {
                    logger.LogDebug("removing old container {Id} of {Pod} failed: {Error}", old.Id, Describe(pod), e.Status.Detail);
                }
            }
        }
    }

    /// <summary>Runs due probes of running containers; kills a container whose liveness or startup probe failed.
    /// Returns the pod as it is afterwards.</summary>
    private async Task<ObservedPod> RunProbesAsync(V1Pod pod, ObservedPod observed, CancellationToken cancellationToken)
    {
        var killed = new ContainerChanges();
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
                container, now, probe => ProbeAsync(pod, container, probe, current.Id, podIp, cancellationToken));
            if (kill is null)
            {
                continue;
            }

            var probeSpec = kill.StartsWith("Startup", StringComparison.Ordinal) ? container.StartupProbe : container.LivenessProbe;
            var grace = probeSpec?.TerminationGracePeriodSeconds ?? pod.Spec.TerminationGracePeriodSeconds ?? 30;
            logger.LogInformation("{Reason} for container {Container} of pod {Pod}; killing it", kill, container.Name, Describe(pod));
            var failedProbe = probeSpec == container.StartupProbe ? "startup" : "liveness";
            deps.Events.Killing(pod, container, $"Container {container.Name} failed {failedProbe} probe, will be restarted");
            try
            {
                await deps.Runtime.StopContainerAsync(current.Id, Math.Max(PodTerminator.MinimumGracePeriodSeconds, grace), cancellationToken);
            }
            catch (RpcException e)
            {
                logger.LogWarning("stopping container {Id} failed: {Error}", current.Id, e.Status.Detail);
            }

            killed.Touched(current.Id);
        }

        foreach (var stale in probes.Keys.Where(id => !live.Contains(id)).ToList())
        {
            probes.Remove(stale);
        }

        return Track(await observer.ContainersChangedAsync(observed, killed, cancellationToken));
    }

    /// <summary>Runs one probe; a failure is recorded as upstream's prober does (<c>Unhealthy</c>, with its output).</summary>
    private async Task<bool> ProbeAsync(
        V1Pod pod, V1Container container, V1Probe probe, string containerId, string? podIp, CancellationToken cancellationToken)
    {
        var attempt = await deps.Prober.ProbeAsync(probe, container, containerId, podIp, cancellationToken);
        if (!attempt.Succeeded)
        {
            var kind = ReferenceEquals(probe, container.LivenessProbe) ? "Liveness"
                : ReferenceEquals(probe, container.ReadinessProbe) ? "Readiness"
                : "Startup";
            deps.Events.Unhealthy(pod, container, kind, attempt.Output);
        }

        return attempt.Succeeded;
    }

    private static V1Container? SpecOf(V1Pod pod, string name) =>
        (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers ?? []).FirstOrDefault(c => c.Name == name)
        ?? (pod.Spec.EphemeralContainers?.FirstOrDefault(e => e.Name == name) is { } ephemeral ? EphemeralContainers.AsContainer(ephemeral) : null);

    private static string Describe(V1Pod pod) => $"{pod.Metadata.NamespaceProperty ?? "default"}/{pod.Metadata.Name}";

    /// <summary>Where this sync starts containers: the pod, its running sandbox and that sandbox's config and network.</summary>
    private sealed record ContainerTarget(V1Pod Pod, string SandboxId, PodSandboxConfig SandboxConfig, PodNetworkFacts Facts);
}
