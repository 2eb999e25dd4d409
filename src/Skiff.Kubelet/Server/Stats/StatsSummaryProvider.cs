using Skiff.Cri.V1;

namespace Skiff.Kubelet.Server.Stats;

/// <summary>
/// Builds the kubelet's <c>/stats/summary</c>: the node's figures from the kernel and, per ready pod sandbox of this
/// node, its running containers' CPU, memory and writable layer from CRI <c>ListContainerStats</c> (containerd reads
/// them from each container's cgroup). A pod's CPU and memory are the sums of its containers' (upstream reads the
/// pod cgroup, which also holds the pause process: a few hundred KiB more).
/// </summary>
public sealed class StatsSummaryProvider(RuntimeService.RuntimeServiceClient runtime, NodeStatsReader node, string nodeName, string rootDirectory, TimeProvider time)
{
    public async Task<Summary> GetAsync(CancellationToken cancellationToken)
    {
        var sandboxFilter = new PodSandboxFilter { State = new PodSandboxStateValue { State = PodSandboxState.SandboxReady } };
        sandboxFilter.LabelSelector[KubeletLabels.Node] = nodeName;
        var sandboxes = await PodContainerLocator.CallAsync(() => runtime.ListPodSandboxAsync(new ListPodSandboxRequest { Filter = sandboxFilter }, cancellationToken: cancellationToken).ResponseAsync);
        var containerFilter = new ContainerFilter { State = new ContainerStateValue { State = ContainerState.ContainerRunning } };
        var containers = await PodContainerLocator.CallAsync(() => runtime.ListContainersAsync(new ListContainersRequest { Filter = containerFilter }, cancellationToken: cancellationToken).ResponseAsync);
        var stats = await PodContainerLocator.CallAsync(() => runtime.ListContainerStatsAsync(new ListContainerStatsRequest(), cancellationToken: cancellationToken).ResponseAsync);
        var statsById = stats.Stats.Where(s => s.Attributes is not null).ToDictionary(s => s.Attributes.Id, StringComparer.Ordinal);
        var containersBySandbox = containers.Containers.ToLookup(c => c.PodSandboxId, StringComparer.Ordinal);

        var pods = new List<PodStats>();
        foreach (var sandbox in sandboxes.Items.OrderBy(s => s.Metadata.Namespace, StringComparer.Ordinal).ThenBy(s => s.Metadata.Name, StringComparer.Ordinal))
        {
            var own = containersBySandbox[sandbox.Id]
                .Select(c => Container(c, statsById.GetValueOrDefault(c.Id)))
                .OrderBy(c => c.Name, StringComparer.Ordinal)
                .ToList();
            pods.Add(new PodStats
            {
                PodRef = new PodReference(sandbox.Metadata.Name, sandbox.Metadata.Namespace, sandbox.Metadata.Uid),
                StartTime = FromNanoseconds(sandbox.CreatedAt),
                Containers = own,
                Cpu = SumCpu(own),
                Memory = SumMemory(own),
            });
        }

        var nodeStats = new NodeStats
        {
            NodeName = nodeName,
            StartTime = node.BootTime(),
            Cpu = node.Cpu(),
            Memory = node.Memory(),
            Fs = Directory.Exists(rootDirectory) ? node.Filesystem(rootDirectory) : null,
        };
        return new Summary(nodeStats, pods);
    }

    private ContainerStats Container(Container container, Cri.V1.ContainerStats? stats) => new()
    {
        Name = container.Metadata.Name,
        StartTime = FromNanoseconds(container.CreatedAt),
        Cpu = stats?.Cpu is { } cpu
            ? new CpuStats { Time = At(cpu.Timestamp), UsageCoreNanoSeconds = cpu.UsageCoreNanoSeconds?.Value, UsageNanoCores = cpu.UsageNanoCores?.Value }
            : null,
        Memory = stats?.Memory is { } memory
            ? new MemoryStats
            {
                Time = At(memory.Timestamp),
                WorkingSetBytes = memory.WorkingSetBytes?.Value,
                UsageBytes = memory.UsageBytes?.Value,
                RssBytes = memory.RssBytes?.Value,
                AvailableBytes = memory.AvailableBytes?.Value,
                PageFaults = memory.PageFaults?.Value,
                MajorPageFaults = memory.MajorPageFaults?.Value,
            }
            : null,
        Rootfs = stats?.WritableLayer is { } layer
            ? new FsStats { Time = At(layer.Timestamp), UsedBytes = layer.UsedBytes?.Value, InodesUsed = layer.InodesUsed?.Value }
            : null,
    };

    private CpuStats? SumCpu(List<ContainerStats> containers)
    {
        var cpus = containers.Select(c => c.Cpu).OfType<CpuStats>().ToList();
        return cpus.Count == 0 ? null : new CpuStats
        {
            Time = cpus.Max(c => c.Time),
            UsageCoreNanoSeconds = Sum(cpus.Select(c => c.UsageCoreNanoSeconds)),
            UsageNanoCores = Sum(cpus.Select(c => c.UsageNanoCores)),
        };
    }

    private MemoryStats? SumMemory(List<ContainerStats> containers)
    {
        var memories = containers.Select(c => c.Memory).OfType<MemoryStats>().ToList();
        return memories.Count == 0 ? null : new MemoryStats
        {
            Time = memories.Max(m => m.Time),
            WorkingSetBytes = Sum(memories.Select(m => m.WorkingSetBytes)),
            UsageBytes = Sum(memories.Select(m => m.UsageBytes)),
            RssBytes = Sum(memories.Select(m => m.RssBytes)),
            PageFaults = Sum(memories.Select(m => m.PageFaults)),
            MajorPageFaults = Sum(memories.Select(m => m.MajorPageFaults)),
        };
    }

    private static ulong? Sum(IEnumerable<ulong?> values)
    {
        var present = values.OfType<ulong>().ToList();
        return present.Count == 0 ? null : present.Aggregate(0UL, (a, b) => a + b);
    }

    /// <summary>A CRI timestamp (nanoseconds since the epoch); now when the runtime gave none.</summary>
    private DateTimeOffset At(long nanoseconds) => nanoseconds > 0 ? FromNanoseconds(nanoseconds) : time.GetUtcNow();

    private static DateTimeOffset FromNanoseconds(long nanoseconds) => DateTimeOffset.UnixEpoch.AddTicks(nanoseconds / 100);
}
