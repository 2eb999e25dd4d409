using System.Text.Json.Serialization;

namespace Skiff.Kubelet.Server.Stats;

// The JSON shape of upstream's statsapi.Summary (k8s.io/kubelet/pkg/apis/stats/v1alpha1), as /stats/summary serves
// it to metrics-server and `kubectl get --raw .../proxy/stats/summary`. Only what Skiff measures is filled; absent
// values are left out, as upstream's omitempty pointers are.

public sealed record Summary(
    [property: JsonPropertyName("node")] NodeStats Node,
    [property: JsonPropertyName("pods")] IReadOnlyList<PodStats> Pods);

public sealed record NodeStats
{
    [JsonPropertyName("nodeName")]
    public required string NodeName { get; init; }

    [JsonPropertyName("startTime")]
    public required DateTimeOffset StartTime { get; init; }

    [JsonPropertyName("cpu")]
    public CpuStats? Cpu { get; init; }

    [JsonPropertyName("memory")]
    public MemoryStats? Memory { get; init; }

    [JsonPropertyName("fs")]
    public FsStats? Fs { get; init; }
}

public sealed record PodStats
{
    [JsonPropertyName("podRef")]
    public required PodReference PodRef { get; init; }

    [JsonPropertyName("startTime")]
    public required DateTimeOffset StartTime { get; init; }

    [JsonPropertyName("containers")]
    public required IReadOnlyList<ContainerStats> Containers { get; init; }

    [JsonPropertyName("cpu")]
    public CpuStats? Cpu { get; init; }

    [JsonPropertyName("memory")]
    public MemoryStats? Memory { get; init; }
}

public sealed record PodReference(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("namespace")] string Namespace,
    [property: JsonPropertyName("uid")] string Uid);

public sealed record ContainerStats
{
    [JsonPropertyName("name")]
    public required string Name { get; init; }

    [JsonPropertyName("startTime")]
    public required DateTimeOffset StartTime { get; init; }

    [JsonPropertyName("cpu")]
    public CpuStats? Cpu { get; init; }

    [JsonPropertyName("memory")]
    public MemoryStats? Memory { get; init; }

    [JsonPropertyName("rootfs")]
    public FsStats? Rootfs { get; init; }
}

public sealed record CpuStats
{
    [JsonPropertyName("time")]
    public required DateTimeOffset Time { get; init; }

    [JsonPropertyName("usageNanoCores")]
    public ulong? UsageNanoCores { get; init; }

    [JsonPropertyName("usageCoreNanoSeconds")]
    public ulong? UsageCoreNanoSeconds { get; init; }
}

public sealed record MemoryStats
{
    [JsonPropertyName("time")]
    public required DateTimeOffset Time { get; init; }

    [JsonPropertyName("availableBytes")]
    public ulong? AvailableBytes { get; init; }

    [JsonPropertyName("usageBytes")]
    public ulong? UsageBytes { get; init; }

    [JsonPropertyName("workingSetBytes")]
    public ulong? WorkingSetBytes { get; init; }

    [JsonPropertyName("rssBytes")]
    public ulong? RssBytes { get; init; }

    [JsonPropertyName("pageFaults")]
    public ulong? PageFaults { get; init; }

    [JsonPropertyName("majorPageFaults")]
    public ulong? MajorPageFaults { get; init; }
}

public sealed record FsStats
{
    [JsonPropertyName("time")]
    public required DateTimeOffset Time { get; init; }

    [JsonPropertyName("availableBytes")]
    public ulong? AvailableBytes { get; init; }

    [JsonPropertyName("capacityBytes")]
    public ulong? CapacityBytes { get; init; }

    [JsonPropertyName("usedBytes")]
    public ulong? UsedBytes { get; init; }

    [JsonPropertyName("inodesUsed")]
    public ulong? InodesUsed { get; init; }
}
