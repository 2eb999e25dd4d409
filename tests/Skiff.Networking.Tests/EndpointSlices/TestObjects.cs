using k8s.Models;

namespace Skiff.Networking.Tests.EndpointSlices;

/// <summary>Services and pods as the tests need them.</summary>
internal static class TestObjects
{
    public static V1Service Service(string name = "web", string? targetPort = "80", bool publishNotReady = false, string? clusterIP = "10.43.0.20", Dictionary<string, string>? selector = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Service",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Uid = $"uid-{name}", Labels = new Dictionary<string, string> { ["team"] = "a" } },
        Spec = new V1ServiceSpec
        {
            ClusterIP = clusterIP,
            Selector = selector ?? new Dictionary<string, string> { ["app"] = "web" },
            PublishNotReadyAddresses = publishNotReady,
            Ports = [new V1ServicePort { Name = "http", Port = 80, Protocol = "TCP", TargetPort = targetPort is null ? null : (IntOrString)targetPort }],
        },
    };

    public static V1Pod Pod(string name, string? ip, bool ready = true, int httpPort = 8080, string app = "web", bool terminating = false, string node = "node-1") => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            NamespaceProperty = "default",
            Uid = $"uid-{name}",
            Labels = new Dictionary<string, string> { ["app"] = app },
            DeletionTimestamp = terminating ? new DateTime(2026, 1, 1, 0, 0, 0, DateTimeKind.Utc) : null,
        },
        Spec = new V1PodSpec
        {
            NodeName = node,
            Containers = [new V1Container { Name = "c", Image = "nginx", Ports = [new V1ContainerPort { Name = "http", ContainerPort = httpPort }] }],
        },
        Status = new V1PodStatus
        {
            Phase = "Running",
            PodIP = ip,
            PodIPs = ip is null ? null : [new V1PodIP { Ip = ip }],
            Conditions = [new V1PodCondition { Type = "Ready", Status = ready ? "True" : "False" }],
        },
    };
}
