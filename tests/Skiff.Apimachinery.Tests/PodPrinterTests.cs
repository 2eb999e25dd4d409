using k8s.Models;
using Skiff.Apimachinery.Strategies;

namespace Skiff.Apimachinery.Tests;

public sealed class PodPrinterTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 13, 10, 0, TimeSpan.Zero);
    private static readonly DateTime Created = new(2026, 11, 27, 13, 9, 12, DateTimeKind.Utc);

    private static V1ContainerStatus Running(string name, bool ready = true, int restarts = 0, DateTime? lastFinished = null) => new()
    {
        Name = name, Ready = ready, RestartCount = restarts,
        State = new V1ContainerState { Running = new V1ContainerStateRunning { StartedAt = Created } },
        LastState = lastFinished is null ? new V1ContainerState() : new V1ContainerState { Terminated = new V1ContainerStateTerminated { FinishedAt = lastFinished, ExitCode = 1 } },
    };

    private static V1ContainerStatus Waiting(string name, string reason, int restarts = 0, DateTime? lastFinished = null) => new()
    {
        Name = name, RestartCount = restarts,
        State = new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = reason } },
        LastState = lastFinished is null ? new V1ContainerState() : new V1ContainerState { Terminated = new V1ContainerStateTerminated { FinishedAt = lastFinished, ExitCode = 1 } },
    };

    private static V1ContainerStatus Terminated(string name, int exitCode, string? reason) => new()
    {
        Name = name, State = new V1ContainerState { Terminated = new V1ContainerStateTerminated { ExitCode = exitCode, Reason = reason } },
    };

    private static V1Pod Pod(string phase, IList<V1ContainerStatus>? statuses = null, int containers = 1, int initContainers = 0, IList<V1ContainerStatus>? initStatuses = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web-0", NamespaceProperty = "default", CreationTimestamp = Created },
        Spec = new V1PodSpec
        {
            Containers = Enumerable.Range(0, containers).Select(i => new V1Container { Name = $"c{i}", Image = "nginx" }).ToList(),
            InitContainers = Enumerable.Range(0, initContainers).Select(i => new V1Container { Name = $"i{i}", Image = "busybox" }).ToList(),
        },
        Status = new V1PodStatus { Phase = phase, ContainerStatuses = statuses, InitContainerStatuses = initStatuses },
    };

    public static TheoryData<string, V1Pod, string, string, string> Cases()
    {
        var lastRestart = Now.UtcDateTime.AddMinutes(-5);
        var terminating = Pod("Running", [Running("c0")]);
        terminating.Metadata.DeletionTimestamp = Now.UtcDateTime;
        var completedWithRunning = Pod("Running", [Terminated("c0", 0, "Completed"), Running("c1")], containers: 2);
        completedWithRunning.Status.Conditions = [new V1PodCondition { Type = "Ready", Status = "True" }];
        return new TheoryData<string, V1Pod, string, string, string>
        {
            { "pending, unscheduled", Pod("Pending"), "0/1", "Pending", "0" },
            { "creating", Pod("Pending", [Waiting("c0", "ContainerCreating")]), "0/1", "ContainerCreating", "0" },
            { "running", Pod("Running", [Running("c0"), Running("c1")], containers: 2), "2/2", "Running", "0" },
            { "running, not ready", Pod("Running", [Running("c0", ready: false)]), "0/1", "Running", "0" },
            { "crash loop", Pod("Running", [Waiting("c0", "CrashLoopBackOff", restarts: 2, lastFinished: lastRestart)]), "0/1", "CrashLoopBackOff", "2 (5m ago)" },
            { "completed", Pod("Succeeded", [Terminated("c0", 0, "Completed")]), "0/1", "Completed", "0" },
            { "error", Pod("Failed", [Terminated("c0", 1, "Error")]), "0/1", "Error", "0" },
            { "exit code without reason", Pod("Failed", [Terminated("c0", 137, null)]), "0/1", "ExitCode:137", "0" },
            { "terminating", terminating, "1/1", "Terminating", "0" },
            { "init pending", Pod("Pending", [Waiting("c0", "PodInitializing")], initContainers: 1, initStatuses: [Waiting("i0", "PodInitializing")]), "0/1", "Init:0/1", "0" },
            { "init crash", Pod("Pending", [], initContainers: 2, initStatuses: [Terminated("i0", 0, "Completed"), Waiting("i1", "CrashLoopBackOff")]), "0/1", "Init:CrashLoopBackOff", "0" },
            { "init error", Pod("Pending", [], initContainers: 1, initStatuses: [Terminated("i0", 2, null)]), "0/1", "Init:ExitCode:2", "0" },
            { "completed sidecar but running main", completedWithRunning, "1/2", "Running", "0" },
            { "restarts without termination time", Pod("Running", [Running("c0", restarts: 3)]), "1/1", "Running", "3" },
        };
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Ready_status_and_restarts_like_kubectl(string name, V1Pod pod, string ready, string status, string restarts)
    {
        var cells = new PodStrategy().Cells(pod, Now);
        Assert.True(ready == (string?)cells[1], $"{name}: READY {cells[1]}");
        Assert.True(status == (string?)cells[2], $"{name}: STATUS {cells[2]}");
        Assert.True(restarts == (string?)cells[3], $"{name}: RESTARTS {cells[3]}");
    }

    [Fact]
    public void Row_has_name_age_and_wide_cells()
    {
        var pod = Pod("Running", [Running("c0")]);
        pod.Spec.NodeName = "node-1";
        pod.Status.PodIP = "10.244.0.5";
        pod.Spec.ReadinessGates = [new V1PodReadinessGate { ConditionType = "example.com/gate" }];
        var cells = new PodStrategy().Cells(pod, Now);
        Assert.Equal(["web-0", "1/1", "Running", "0", "48s", "10.244.0.5", "node-1", "<none>", "0/1"], cells);
    }

    [Fact]
    public void Columns_are_kube_apiserver_pod_columns()
    {
        var columns = new PodStrategy().Columns;
        Assert.Equal(["Name", "Ready", "Status", "Restarts", "Age", "IP", "Node", "Nominated Node", "Readiness Gates"], columns.Select(c => c.Name));
        Assert.Equal("name", columns[0].Format);
        Assert.Equal([0, 0, 0, 0, 0, 1, 1, 1, 1], columns.Select(c => c.Priority));
    }
}
