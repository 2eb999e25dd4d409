using k8s.Models;
using Skiff.Kubelet.Pods;

namespace Skiff.Kubelet.Tests;

public sealed class PodStatusBuilderTests
{
    private static V1ContainerStatus Running() => new() { State = new V1ContainerState { Running = new V1ContainerStateRunning() } };

    private static V1ContainerStatus Exited(int code) =>
        new() { State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = code } } };

    private static V1ContainerStatus Waiting(int? lastExit = null) => new()
    {
        State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "x" } },
        LastState = lastExit is null ? new V1ContainerState() : new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = lastExit.Value } },
    };

    public static TheoryData<string, V1ContainerStatus[], string> Cases() => new()
    {
        { "Always", [Running(), Running()], "Running" },
        { "Always", [Running(), Waiting()], "Pending" },
        { "Always", [Exited(0)], "Running" },
        { "Always", [Waiting(lastExit: 1)], "Running" },
        { "OnFailure", [Exited(0), Exited(0)], "Succeeded" },
        { "OnFailure", [Exited(1)], "Running" },
        { "Never", [Exited(0), Exited(1)], "Failed" },
        { "Never", [Exited(0), Running()], "Running" },
        { "Never", [Exited(0)], "Succeeded" },
    };

    [Theory]
    [MemberData(nameof(Cases))]
    public void Phase_follows_the_kubelet_rules(string policy, V1ContainerStatus[] statuses, string phase)
    {
        var spec = new V1PodSpec { RestartPolicy = policy };
        Assert.Equal(phase, PodStatusBuilder.Phase(spec, [], statuses));
    }

    [Fact]
    public void Pending_init_containers_keep_the_pod_pending_and_a_failed_one_fails_a_Never_pod()
    {
        Assert.Equal("Pending", PodStatusBuilder.Phase(new V1PodSpec { RestartPolicy = "Always" }, [Running()], [Waiting()]));
        Assert.Equal("Failed", PodStatusBuilder.Phase(new V1PodSpec { RestartPolicy = "Never" }, [Exited(1)], [Waiting()]));
        Assert.Equal("Pending", PodStatusBuilder.Phase(new V1PodSpec { RestartPolicy = "Always" }, [Waiting(lastExit: 1)], [Waiting()]));
    }

    [Fact]
    public void Transition_times_carry_over_while_a_condition_keeps_its_status()
    {
        var earlier = new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc);
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "p", Uid = "u" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Image = "busybox" }] },
            Status = new V1PodStatus
            {
                Conditions =
                [
                    new V1PodCondition { Type = "Initialized", Status = "True", LastTransitionTime = earlier },
                    new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = earlier },
                    new V1PodCondition { Type = "example.com/gate", Status = "True", LastTransitionTime = earlier },
                ],
            },
        };
        var now = new DateTime(2026, 1, 2, 3, 4, 5, 678, DateTimeKind.Utc);

        var status = PodStatusBuilder.Build(new PodStatusInput
        {
            Pod = pod, Observed = ObservedPod.Empty, HostIp = "192.0.2.1", StartTime = now, Now = now,
        });

        Assert.Equal(earlier, status.Conditions.Single(c => c.Type == "Initialized").LastTransitionTime);
        var ready = status.Conditions.Single(c => c.Type == "Ready");
        Assert.Equal("False", ready.Status);
        Assert.Equal(new DateTime(2026, 1, 2, 3, 4, 5, DateTimeKind.Utc), ready.LastTransitionTime); // whole seconds
        Assert.Contains(status.Conditions, c => c.Type == "example.com/gate"); // others' conditions are kept
        Assert.Equal("ContainerCreating", status.ContainerStatuses[0].State.Waiting.Reason);
        Assert.Equal("Pending", status.Phase);
        Assert.Equal("BestEffort", status.QosClass);
    }

    [Theory]
    [InlineData("nginx", "Always")]
    [InlineData("nginx:latest", "Always")]
    [InlineData("nginx:1.22", "IfNotPresent")]
    [InlineData("localhost:5000/nginx", "Always")]
    [InlineData("localhost:5000/nginx:1", "IfNotPresent")]
    [InlineData("nginx@sha256:abc", "IfNotPresent")]
    public void Default_pull_policy_is_Always_only_for_latest(string image, string policy) =>
        Assert.Equal(policy, PodSyncer.DefaultPullPolicy(image));

    [Fact]
    public void Qos_class_and_cgroup_parent_follow_requests_and_limits()
    {
        static V1Pod With(Dictionary<string, ResourceQuantity>? requests, Dictionary<string, ResourceQuantity>? limits) => new()
        {
            Metadata = new V1ObjectMeta { Uid = "u" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Resources = new V1ResourceRequirements { Requests = requests, Limits = limits } }] },
        };

        var both = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("500m"), ["memory"] = new("64Mi") };
        Assert.Equal("/kubepods/podu", PodCgroups.CgroupParent(With(both, both)));
        Assert.Equal("/kubepods/burstable/podu", PodCgroups.CgroupParent(With(new() { ["cpu"] = new("100m") }, null)));
        Assert.Equal("/kubepods/besteffort/podu", PodCgroups.CgroupParent(With(null, null)));

        // Limits only, as the API server stores it: requests defaulted from the limits (a Guaranteed pod).
        var limitsOnly = With(both, both);
        var resources = ContainerConfigBuilder.Resources(limitsOnly, limitsOnly.Spec.Containers[0], 8L << 30);
        Assert.Equal(512, resources.CpuShares);
        Assert.Equal(50_000, resources.CpuQuota);
        Assert.Equal(100_000, resources.CpuPeriod);
        Assert.Equal(64L << 20, resources.MemoryLimitInBytes);
        Assert.Equal(-997, resources.OomScoreAdj);
    }
}
