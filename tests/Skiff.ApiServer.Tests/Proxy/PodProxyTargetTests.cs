using k8s.Models;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Proxy;

namespace Skiff.ApiServer.Tests.Proxy;

public class PodProxyTargetTests
{
    private static V1Pod Pod(string phase, params (string Name, V1ContainerState? State, V1ContainerState? Last)[] containers) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web-0", NamespaceProperty = "default" },
        Spec = new V1PodSpec { NodeName = "node-1", Containers = containers.Select(c => new V1Container { Name = c.Name }).ToList() },
        Status = new V1PodStatus
        {
            Phase = phase,
            ContainerStatuses = containers.Where(c => c.State is not null).Select(c => new V1ContainerStatus { Name = c.Name, State = c.State, LastState = c.Last }).ToList(),
        },
    };

    private static readonly V1ContainerState Running = new() { Running = new V1ContainerStateRunning() };
    private static readonly V1ContainerState Creating = new() { Waiting = new V1ContainerStateWaiting { Reason = "ContainerCreating" } };
    private static readonly V1ContainerState Exited = new() { Terminated = new V1ContainerStateTerminated { ExitCode = 1 } };

    [Fact]
    public void ContainerDefaultsToTheOnlyOneAndUnknownNamesAreRejectedWithUpstreamMessages()
    {
        Assert.Equal("nginx", PodProxyTarget.ResolveContainer(Pod("Running", ("nginx", Running, null)), null));
        var unknown = Assert.Throws<ApiException>(() => PodProxyTarget.ResolveContainer(Pod("Running", ("nginx", Running, null)), "foo"));
        Assert.Equal((400, "container foo is not valid for pod web-0"), (unknown.Code, unknown.Status.Message));
        var ambiguous = Assert.Throws<ApiException>(() => PodProxyTarget.ResolveContainer(Pod("Running", ("nginx", Running, null), ("sidecar", Running, null)), ""));
        Assert.Equal("a container name must be specified for pod web-0, choose one of: [nginx sidecar]", ambiguous.Status.Message);
    }

    [Fact]
    public void LogsOfAContainerThatHasNotStartedSayWhyItIsWaiting()
    {
        var e = Assert.Throws<ApiException>(() => PodProxyTarget.CheckLogsAvailable(Pod("Pending", ("x", Creating, null)), "x", previous: false));
        Assert.Equal((400, "BadRequest", "container \"x\" in pod \"web-0\" is waiting to start: ContainerCreating"), (e.Code, e.Status.Reason, e.Status.Message));
        var noStatus = Assert.Throws<ApiException>(() => PodProxyTarget.CheckLogsAvailable(Pod("Pending", ("x", null, null)), "x", previous: false));
        Assert.Equal("container \"x\" in pod \"web-0\" is waiting to start: ContainerCreating", noStatus.Status.Message);

        // Crash-looping: waiting now, but an earlier run left logs.
        PodProxyTarget.CheckLogsAvailable(Pod("Running", ("x", new V1ContainerState { Waiting = new V1ContainerStateWaiting { Reason = "CrashLoopBackOff" } }, Exited)), "x", previous: false);
        PodProxyTarget.CheckLogsAvailable(Pod("Running", ("x", Running, Exited)), "x", previous: true);
        var noPrevious = Assert.Throws<ApiException>(() => PodProxyTarget.CheckLogsAvailable(Pod("Running", ("x", Running, null)), "x", previous: true));
        Assert.Equal("previous terminated container \"x\" in pod \"web-0\" not found", noPrevious.Status.Message);
    }

    [Fact]
    public void KubeletEndpointPrefersInternalIpAndTheReportedPort()
    {
        var node = new V1Node
        {
            Status = new V1NodeStatus
            {
                Addresses = [new V1NodeAddress { Type = "Hostname", Address = "vm" }, new V1NodeAddress { Type = "InternalIP", Address = "10.0.0.5" }],
                DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = 12250 } },
            },
        };
        var endpoint = KubeletEndpoint.FromNode(node)!;
        Assert.Equal(new Uri("https://10.0.0.5:12250/containerLogs/a/b/c"), endpoint.Uri("https", "/containerLogs/a/b/c"));
        Assert.Equal(new KubeletEndpoint("vm", 10250), KubeletEndpoint.FromNode(new V1Node { Status = new V1NodeStatus { Addresses = [new V1NodeAddress { Type = "Hostname", Address = "vm" }] } }));
        Assert.Null(KubeletEndpoint.FromNode(new V1Node { Status = new V1NodeStatus() }));
        Assert.Equal("wss://[fd00::1]:10250/x", new KubeletEndpoint("fd00::1", 10250).Uri("wss", "/x").ToString());
    }
}
