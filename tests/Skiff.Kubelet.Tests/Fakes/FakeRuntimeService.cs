using Grpc.Core;
using Skiff.Cri.V1;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Tests.Fakes;

/// <summary>
/// An in-memory CRI runtime in the manner of cri-api's FakeRuntimeService: it records every call, lets a test inject
/// an error for a method, and lets the test decide when containers exit. Behaves like containerd where the kubelet
/// depends on it (CreateContainer without sandbox_config fails, StopPodSandbox kills containers, names are unique).
/// </summary>
public sealed class FakeRuntimeService(TimeProvider time) : IRuntimeService
{
    private readonly object gate = new();
    private readonly Dictionary<string, Exception> errors = new(StringComparer.Ordinal);
    private readonly List<string> calls = [];
    private long clock;
    private int nextId;

    public Dictionary<string, FakeSandbox> Sandboxes { get; } = new(StringComparer.Ordinal);

    public Dictionary<string, FakeContainer> Containers { get; } = new(StringComparer.Ordinal);

    public List<(string ContainerId, long Timeout)> Stops { get; } = [];

    /// <summary>Exit code ExecSync returns, by the first word of the command.</summary>
    public Dictionary<string, int> ExecExitCodes { get; } = new(StringComparer.Ordinal);

    public IReadOnlyList<string> Calls
    {
        get
        {
            lock (gate)
            {
                return calls.ToList();
            }
        }
    }

    public void InjectError(string method, Exception error)
    {
        lock (gate)
        {
            errors[method] = error;
        }
    }

    public void ClearCalls()
    {
        lock (gate)
        {
            calls.Clear();
        }
    }

    /// <summary>The container of the pod with this name and the highest attempt.</summary>
    public FakeContainer Container(string name) =>
        Containers.Values.Where(c => c.Config.Metadata.Name == name).OrderByDescending(c => c.Config.Metadata.Attempt).First();

    public void Exit(string containerId, int exitCode, string reason = "")
    {
        lock (gate)
        {
            var c = Containers[containerId];
            c.State = ContainerState.ContainerExited;
            c.ExitCode = exitCode;
            c.Reason = reason.Length > 0 ? reason : exitCode == 0 ? "Completed" : "Error";
            c.FinishedAt = Tick();
        }
    }

    public Task<VersionResponse> VersionAsync(CancellationToken cancellationToken)
    {
        Record("Version");
        return Task.FromResult(new VersionResponse
        {
            Version = "0.1.0", RuntimeName = "containerd", RuntimeVersion = "1.6.20~ds1", RuntimeApiVersion = "v1",
        });
    }

    public Task<string> RunPodSandboxAsync(PodSandboxConfig config, CancellationToken cancellationToken)
    {
        Record("RunPodSandbox");
        lock (gate)
        {
            var id = $"sandbox-{++nextId}";
            // A host-network sandbox has no IP of its own.
            var hostNetwork = config.Linux?.SecurityContext?.NamespaceOptions?.Network == NamespaceMode.Node;
            Sandboxes[id] = new FakeSandbox(id, config.Clone(), Tick()) { Ip = hostNetwork ? "" : $"10.88.0.{nextId}" };
            return Task.FromResult(id);
        }
    }

    public Task StopPodSandboxAsync(string podSandboxId, CancellationToken cancellationToken)
    {
        Record("StopPodSandbox");
        lock (gate)
        {
            if (Sandboxes.TryGetValue(podSandboxId, out var sandbox))
            {
                sandbox.State = PodSandboxState.SandboxNotready;
                foreach (var c in Containers.Values.Where(c => c.SandboxId == podSandboxId && c.State == ContainerState.ContainerRunning))
                {
                    c.State = ContainerState.ContainerExited;
                    c.ExitCode = 137;
                    c.Reason = "Error";
                    c.FinishedAt = Tick();
                }
            }
        }

        return Task.CompletedTask;
    }

    public Task RemovePodSandboxAsync(string podSandboxId, CancellationToken cancellationToken)
    {
        Record("RemovePodSandbox");
        lock (gate)
        {
            Sandboxes.Remove(podSandboxId);
            foreach (var id in Containers.Values.Where(c => c.SandboxId == podSandboxId).Select(c => c.Id).ToList())
            {
                Containers.Remove(id);
            }
        }

        return Task.CompletedTask;
    }

    public Task<PodSandboxStatus> PodSandboxStatusAsync(string podSandboxId, CancellationToken cancellationToken)
    {
        Record("PodSandboxStatus");
        lock (gate)
        {
            if (!Sandboxes.TryGetValue(podSandboxId, out var s))
            {
                throw new RpcException(new Status(StatusCode.NotFound, "an error occurred when try to find sandbox: not found"));
            }

            var status = new PodSandboxStatus
            {
                Id = s.Id, Metadata = s.Config.Metadata, State = s.State, CreatedAt = s.CreatedAt,
                Network = new PodSandboxNetworkStatus { Ip = s.State == PodSandboxState.SandboxReady ? s.Ip : "" },
            };
            status.Labels.Add(s.Config.Labels);
            return Task.FromResult(status);
        }
    }

    public Task<IReadOnlyList<PodSandbox>> ListPodSandboxAsync(PodSandboxFilter? filter, CancellationToken cancellationToken)
    {
        Record("ListPodSandbox");
        lock (gate)
        {
            var items = Sandboxes.Values
                .Where(s => filter is null || filter.LabelSelector.All(kv => s.Config.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value))
                .Select(s =>
                {
                    var item = new PodSandbox { Id = s.Id, Metadata = s.Config.Metadata, State = s.State, CreatedAt = s.CreatedAt };
                    item.Labels.Add(s.Config.Labels);
                    return item;
                })
                .ToList();
            return Task.FromResult<IReadOnlyList<PodSandbox>>(items);
        }
    }

    public Task<string> CreateContainerAsync(
        string podSandboxId, ContainerConfig config, PodSandboxConfig sandboxConfig, CancellationToken cancellationToken)
    {
        Record("CreateContainer");
        lock (gate)
        {
            if (sandboxConfig is null)
            {
                // containerd 1.6 crashes here; the fake refuses loudly instead.
                throw new RpcException(new Status(StatusCode.Unavailable, "sandbox_config missing"));
            }

            var name = $"{config.Metadata.Name}_{config.Metadata.Attempt}_{podSandboxId}";
            if (Containers.Values.Any(c => c.UniqueName == name))
            {
                throw new RpcException(new Status(StatusCode.Unknown, $"failed to reserve container name \"{name}\""));
            }

            var id = $"container-{++nextId}";
            Containers[id] = new FakeContainer(id, podSandboxId, config.Clone(), sandboxConfig.Clone(), name, Tick());
            return Task.FromResult(id);
        }
    }

    public Task StartContainerAsync(string containerId, CancellationToken cancellationToken)
    {
        Record("StartContainer");
        lock (gate)
        {
            var c = Containers[containerId];
            if (c.State != ContainerState.ContainerCreated)
            {
                throw new RpcException(new Status(StatusCode.Unknown, $"container is in {c.State} state"));
            }

            c.State = ContainerState.ContainerRunning;
            c.StartedAt = Tick();
        }

        return Task.CompletedTask;
    }

    public Task StopContainerAsync(string containerId, long timeoutSeconds, CancellationToken cancellationToken)
    {
        Record("StopContainer");
        lock (gate)
        {
            Stops.Add((containerId, timeoutSeconds));
            if (Containers.TryGetValue(containerId, out var c) && c.State == ContainerState.ContainerRunning)
            {
                c.State = ContainerState.ContainerExited;
                c.ExitCode = 137;
                c.Reason = "Error";
                c.FinishedAt = Tick();
            }
        }

        return Task.CompletedTask;
    }

    public Task RemoveContainerAsync(string containerId, CancellationToken cancellationToken)
    {
        Record("RemoveContainer");
        lock (gate)
        {
            Containers.Remove(containerId);
        }

        return Task.CompletedTask;
    }

    public Task<IReadOnlyList<Container>> ListContainersAsync(ContainerFilter? filter, CancellationToken cancellationToken)
    {
        Record("ListContainers");
        lock (gate)
        {
            var items = Containers.Values
                .Where(c => filter is null || string.IsNullOrEmpty(filter.PodSandboxId) || c.SandboxId == filter.PodSandboxId)
                .Where(c => filter?.State is null || c.State == filter.State.State)
                .Where(c => filter is null || filter.LabelSelector.All(kv => c.Config.Labels.TryGetValue(kv.Key, out var v) && v == kv.Value))
                .Select(c =>
                {
                    var item = new Container
                    {
                        Id = c.Id, PodSandboxId = c.SandboxId, Metadata = c.Config.Metadata, Image = c.Config.Image,
                        ImageRef = "sha256:feed", State = c.State, CreatedAt = c.CreatedAt,
                    };
                    item.Labels.Add(c.Config.Labels);
                    return item;
                })
                .ToList();
            return Task.FromResult<IReadOnlyList<Container>>(items);
        }
    }

    public Task<ContainerStatus> ContainerStatusAsync(string containerId, CancellationToken cancellationToken)
    {
        Record("ContainerStatus");
        lock (gate)
        {
            if (!Containers.TryGetValue(containerId, out var c))
            {
                throw new RpcException(new Status(StatusCode.NotFound, "not found"));
            }

            var status = new ContainerStatus
            {
                Id = c.Id, Metadata = c.Config.Metadata, State = c.State, CreatedAt = c.CreatedAt, StartedAt = c.StartedAt,
                FinishedAt = c.FinishedAt, ExitCode = c.ExitCode, Reason = c.Reason,
                Image = new ImageSpec { Image = "docker.io/library/" + c.Config.Image.Image + ":latest" }, ImageRef = "sha256:feed",
            };
            status.Labels.Add(c.Config.Labels);
            return Task.FromResult(status);
        }
    }

    public Task<ExecSyncResponse> ExecSyncAsync(
        string containerId, IReadOnlyList<string> command, long timeoutSeconds, CancellationToken cancellationToken)
    {
        Record("ExecSync");
        var code = ExecExitCodes.GetValueOrDefault(command[0], 0);
        return Task.FromResult(new ExecSyncResponse { ExitCode = code });
    }

    private void Record(string method)
    {
        lock (gate)
        {
            calls.Add(method);
            if (errors.Remove(method, out var error))
            {
                throw error;
            }
        }
    }

    /// <summary>Timestamps follow the test's clock (as containerd and the kubelet share the host's), strictly increasing.</summary>
    private long Tick()
    {
        var now = (time.GetUtcNow().UtcDateTime - DateTime.UnixEpoch).Ticks * 100;
        clock = Math.Max(clock + 1000, now);
        return clock;
    }

    public sealed class FakeSandbox(string id, PodSandboxConfig config, long createdAt)
    {
        public string Id { get; } = id;

        public PodSandboxConfig Config { get; } = config;

        public long CreatedAt { get; } = createdAt;

        public PodSandboxState State { get; set; } = PodSandboxState.SandboxReady;

        public string Ip { get; set; } = "";
    }

    public sealed class FakeContainer(string id, string sandboxId, ContainerConfig config, PodSandboxConfig sandboxConfig, string uniqueName, long createdAt)
    {
        public string Id { get; } = id;

        public string SandboxId { get; } = sandboxId;

        public ContainerConfig Config { get; } = config;

        public PodSandboxConfig SandboxConfig { get; } = sandboxConfig;

        public string UniqueName { get; } = uniqueName;

        public long CreatedAt { get; } = createdAt;

        public ContainerState State { get; set; } = ContainerState.ContainerCreated;

        public long StartedAt { get; set; }

        public long FinishedAt { get; set; }

        public int ExitCode { get; set; }

        public string Reason { get; set; } = "";
    }
}
