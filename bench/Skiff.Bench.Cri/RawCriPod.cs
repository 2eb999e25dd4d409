using System.Diagnostics;
using Skiff.Cri;
using Skiff.Cri.V1;

namespace Skiff.Bench.Cri;

/// <summary>
/// Runs one pod with one container straight through CRI, the way a kubelet would but with nothing else around it:
/// the baseline for pod-startup measurements and a smoke test for a node's runtime. PID namespaces are set to
/// CONTAINER explicitly (proto3's default 0 would mean a shared POD namespace) and CreateContainer always carries the
/// sandbox config (containerd 1.6 crashes without it).
/// </summary>
public sealed record RawCriPod(string SandboxId, string ContainerId, string PodIp, PodSandboxConfig SandboxConfig, RawCriPodTimings Timings)
{
    /// <summary>Sandbox config for a pod; logs go to <c>&lt;logRoot&gt;/&lt;namespace&gt;_&lt;name&gt;_&lt;uid&gt;</c>.</summary>
    public static PodSandboxConfig NewSandboxConfig(string name, string podNamespace, string uid, string logRoot) => new()
    {
        Metadata = new PodSandboxMetadata { Name = name, Namespace = podNamespace, Uid = uid, Attempt = 0 },
        Hostname = name,
        LogDirectory = Path.Combine(logRoot, $"{podNamespace}_{name}_{uid}"),
        Labels = { ["io.kubernetes.pod.name"] = name, ["io.kubernetes.pod.namespace"] = podNamespace, ["io.kubernetes.pod.uid"] = uid },
        Linux = new LinuxPodSandboxConfig
        {
            SecurityContext = new LinuxSandboxSecurityContext
            {
                NamespaceOptions = new NamespaceOption { Network = NamespaceMode.Pod, Pid = NamespaceMode.Container, Ipc = NamespaceMode.Pod },
            },
        },
    };

    /// <summary>RunPodSandbox, then CreateContainer + StartContainer for <paramref name="image"/>; reads the pod IP.</summary>
    public static Task<RawCriPod> RunAsync(CriConnection cri, string name, string image, IReadOnlyList<string>? command, string logRoot, CancellationToken cancellationToken) =>
        RunAsync(cri, name, image, command, logRoot, new Dictionary<string, string>(), cancellationToken);

    /// <summary>As above, with extra labels on the sandbox (a kubelet's node label, say).</summary>
    public static async Task<RawCriPod> RunAsync(CriConnection cri, string name, string image, IReadOnlyList<string>? command, string logRoot, IReadOnlyDictionary<string, string> sandboxLabels, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cri);
        ArgumentNullException.ThrowIfNull(sandboxLabels);
        var sandboxConfig = NewSandboxConfig(name, "default", Guid.NewGuid().ToString(), logRoot);
        foreach (var (key, value) in sandboxLabels)
        {
            sandboxConfig.Labels[key] = value;
        }

        var stopwatch = Stopwatch.StartNew();
        var sandbox = await cri.Runtime.RunPodSandboxAsync(new RunPodSandboxRequest { Config = sandboxConfig }, cancellationToken: cancellationToken);
        var sandboxReady = stopwatch.Elapsed;
        var status = await cri.Runtime.PodSandboxStatusAsync(new PodSandboxStatusRequest { PodSandboxId = sandbox.PodSandboxId }, cancellationToken: cancellationToken);

        var container = new ContainerConfig
        {
            Metadata = new ContainerMetadata { Name = "main", Attempt = 0 },
            Image = new ImageSpec { Image = image },
            LogPath = "main/0.log",
            Labels = { ["io.kubernetes.container.name"] = "main" },
            Linux = new LinuxContainerConfig
            {
                SecurityContext = new LinuxContainerSecurityContext
                {
                    NamespaceOptions = new NamespaceOption { Network = NamespaceMode.Pod, Pid = NamespaceMode.Container, Ipc = NamespaceMode.Pod },
                },
            },
        };
        if (command is not null)
        {
            container.Command.AddRange(command);
        }

        var created = await cri.Runtime.CreateContainerAsync(
            new CreateContainerRequest { PodSandboxId = sandbox.PodSandboxId, Config = container, SandboxConfig = sandboxConfig },
            cancellationToken: cancellationToken);
        await cri.Runtime.StartContainerAsync(new StartContainerRequest { ContainerId = created.ContainerId }, cancellationToken: cancellationToken);
        var containerStarted = stopwatch.Elapsed;
        return new RawCriPod(sandbox.PodSandboxId, created.ContainerId, status.Status.Network?.Ip ?? string.Empty, sandboxConfig,
            new RawCriPodTimings(sandboxReady, containerStarted - sandboxReady, containerStarted));
    }

    /// <summary>StopPodSandbox + RemovePodSandbox (both idempotent), then deletes the pod's log directory.</summary>
    public async Task RemoveAsync(CriConnection cri, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(cri);
        await cri.Runtime.StopPodSandboxAsync(new StopPodSandboxRequest { PodSandboxId = SandboxId }, cancellationToken: cancellationToken);
        await cri.Runtime.RemovePodSandboxAsync(new RemovePodSandboxRequest { PodSandboxId = SandboxId }, cancellationToken: cancellationToken);
        // containerd leaves container log files behind.
        if (Directory.Exists(SandboxConfig.LogDirectory))
        {
            Directory.Delete(SandboxConfig.LogDirectory, recursive: true);
        }
    }
}

/// <summary>Wall-clock times of one <see cref="RawCriPod.RunAsync"/>.</summary>
/// <param name="RunPodSandbox">RunPodSandbox call.</param>
/// <param name="CreateAndStartContainer">CreateContainer + StartContainer (after PodSandboxStatus).</param>
/// <param name="Total">From the first call until StartContainer returned.</param>
public sealed record RawCriPodTimings(TimeSpan RunPodSandbox, TimeSpan CreateAndStartContainer, TimeSpan Total);
