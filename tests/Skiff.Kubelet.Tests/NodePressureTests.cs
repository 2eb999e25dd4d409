using k8s.Models;
using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Nodes;
using Skiff.Kubelet.Tests.Fakes;

namespace Skiff.Kubelet.Tests;

public sealed class NodePressureTests
{
    private static readonly HostInfo Host = new()
    {
        Hostname = "vm", InternalIp = "192.0.2.2", CpuCount = 2, MemoryBytes = 8L << 30, EphemeralStorageBytes = 100L << 30,
        KernelVersion = "6.1.0", OsImage = "Debian GNU/Linux 12 (bookworm)", MachineId = "m", BootId = "b", SystemUuid = "",
    };

    private readonly FakeTimeProvider time = new(new DateTimeOffset(2026, 11, 27, 12, 0, 0, TimeSpan.Zero));
    private readonly FakeResourceSource resources = new();
    private readonly EvictionThresholds thresholds = new();

    private NodePressureMonitor Monitor() => new(resources, thresholds, time);

    [Fact]
    public void A_healthy_node_has_no_pressure()
    {
        Assert.Equal(new NodePressure(false, false, false), Monitor().Evaluate());
    }

    [Fact]
    public void Memory_pressure_below_100Mi_available()
    {
        var monitor = Monitor();
        resources.Current = FakeResourceSource.Healthy with { MemoryAvailableBytes = 100L << 20 };
        Assert.False(monitor.Evaluate().Memory);

        resources.Current = FakeResourceSource.Healthy with { MemoryAvailableBytes = (100L << 20) - 1 };
        Assert.Equal(new NodePressure(true, false, false), monitor.Evaluate());
    }

    [Theory]
    [InlineData(11, 60, false)]
    [InlineData(9, 60, true)] // nodefs.available < 10%
    [InlineData(60, 16, false)]
    [InlineData(60, 14, true)] // imagefs.available < 15%
    public void Disk_pressure_from_the_node_or_the_image_filesystem(int nodeFsFreeGi, int imageFsFreeGi, bool expected)
    {
        resources.Current = FakeResourceSource.Healthy with
        {
            NodeFs = new FilesystemSample((long)nodeFsFreeGi << 30, 100L << 30),
            ImageFs = new FilesystemSample((long)imageFsFreeGi << 30, 100L << 30),
        };

        Assert.Equal(new NodePressure(false, expected, false), Monitor().Evaluate());
    }

    [Fact]
    public void Pid_pressure_when_fewer_than_10_percent_of_pids_are_left()
    {
        var monitor = Monitor();
        resources.Current = FakeResourceSource.Healthy with { Processes = 29_000, PidMax = 32_768 };
        Assert.False(monitor.Evaluate().Pid);

        resources.Current = FakeResourceSource.Healthy with { Processes = 29_600, PidMax = 32_768 };
        Assert.Equal(new NodePressure(false, false, true), monitor.Evaluate());
    }

    [Fact]
    public void Pressure_stays_for_the_transition_period_after_the_threshold_was_last_met()
    {
        var monitor = Monitor();
        resources.Current = FakeResourceSource.Healthy with { MemoryAvailableBytes = 50L << 20 };
        Assert.True(monitor.Evaluate().Memory);

        resources.Current = FakeResourceSource.Healthy;
        time.Advance(TimeSpan.FromMinutes(4));
        Assert.True(monitor.Evaluate().Memory);

        time.Advance(TimeSpan.FromMinutes(1));
        Assert.False(monitor.Evaluate().Memory);
    }

    [Fact]
    public void A_failed_reading_keeps_the_last_observations()
    {
        var monitor = Monitor();
        resources.Current = FakeResourceSource.Healthy with { NodeFs = new FilesystemSample(1L << 30, 100L << 30) };
        Assert.True(monitor.Evaluate().Disk);

        resources.Fail = true;
        time.Advance(TimeSpan.FromSeconds(10));
        Assert.True(monitor.Evaluate().Disk);
    }

    [Fact]
    public void Conditions_carry_the_kubelets_reasons_and_keep_their_transition_time_until_the_status_changes()
    {
        var options = new KubeletOptions { NodeName = "node-a" };
        var builder = new NodeStatusBuilder(options, Host, new NodePressureMonitor(resources, options.EvictionHard, time), time);
        var first = builder.BuildStatus(null, "containerd://1.6.20", runtimeReady: true);
        Assert.Equal(
            [
                ("MemoryPressure", "False", "KubeletHasSufficientMemory", "kubelet has sufficient memory available"),
                ("DiskPressure", "False", "KubeletHasNoDiskPressure", "kubelet has no disk pressure"),
                ("PIDPressure", "False", "KubeletHasSufficientPID", "kubelet has sufficient PID available"),
            ],
            Pressures(first));

        time.Advance(TimeSpan.FromSeconds(10));
        var unchanged = builder.BuildStatus(first, "containerd://1.6.20", runtimeReady: true);
        Assert.Equal(Condition(first, "MemoryPressure").LastTransitionTime, Condition(unchanged, "MemoryPressure").LastTransitionTime);
        Assert.True(Condition(unchanged, "MemoryPressure").LastHeartbeatTime > Condition(first, "MemoryPressure").LastHeartbeatTime);

        time.Advance(TimeSpan.FromSeconds(10));
        resources.Current = new NodeResourceSample(
            MemoryAvailableBytes: 10L << 20,
            NodeFs: new FilesystemSample(1L << 30, 100L << 30),
            ImageFs: new FilesystemSample(1L << 30, 100L << 30),
            Processes: 32_000,
            PidMax: 32_768);
        var pressed = builder.BuildStatus(unchanged, "containerd://1.6.20", runtimeReady: true);
        Assert.Equal(
            [
                ("MemoryPressure", "True", "KubeletHasInsufficientMemory", "kubelet has insufficient memory available"),
                ("DiskPressure", "True", "KubeletHasDiskPressure", "kubelet has disk pressure"),
                ("PIDPressure", "True", "KubeletHasInsufficientPID", "kubelet has insufficient PID available"),
            ],
            Pressures(pressed));
        Assert.Equal(time.GetUtcNow().UtcDateTime, Condition(pressed, "DiskPressure").LastTransitionTime);
        Assert.NotEqual(Condition(unchanged, "DiskPressure").LastTransitionTime, Condition(pressed, "DiskPressure").LastTransitionTime);
        // Pressure does not make the node NotReady; the node lifecycle controller taints it instead.
        Assert.Equal("True", Condition(pressed, "Ready").Status);
        Assert.Equal(Condition(first, "Ready").LastTransitionTime, Condition(pressed, "Ready").LastTransitionTime);
    }

    [Fact]
    public void Meminfo_and_loadavg_are_parsed_like_the_kernel_writes_them()
    {
        Assert.Equal(
            5_000_000L * 1024,
            HostResourceSource.MemAvailableBytes(["MemTotal:       24000000 kB", "MemFree:         1000000 kB", "MemAvailable:    5000000 kB"]));
        Assert.Throws<IOException>(() => HostResourceSource.MemAvailableBytes(["MemTotal:       24000000 kB"]));
        Assert.Equal(345, HostResourceSource.TaskCount("0.20 0.18 0.12 3/345 11206\n"));
        Assert.Throws<IOException>(() => HostResourceSource.TaskCount("garbage"));
    }

    [Fact]
    public void The_host_source_reads_this_machine()
    {
        var dir = Path.GetTempPath();
        var sample = new HostResourceSource(dir, Path.Combine(dir, "not", "created", "yet")).Sample();

        Assert.InRange(sample.MemoryAvailableBytes, 1, long.MaxValue);
        Assert.InRange(sample.NodeFs.AvailableBytes, 0, sample.NodeFs.CapacityBytes);
        Assert.Equal(sample.NodeFs.CapacityBytes, sample.ImageFs.CapacityBytes);
        Assert.InRange(sample.Processes, 1, sample.PidMax);
    }

    private static V1NodeCondition Condition(V1NodeStatus status, string type) => status.Conditions.Single(c => c.Type == type);

    private static List<(string, string, string, string)> Pressures(V1NodeStatus status) =>
        status.Conditions.Where(c => c.Type.EndsWith("Pressure", StringComparison.Ordinal))
            .Select(c => (c.Type, c.Status, c.Reason, c.Message))
            .ToList();
}
