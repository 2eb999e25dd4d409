using k8s.Models;

namespace Skiff.Networking.Tests.NetworkPolicy;

/// <summary>Pods, namespaces and policies for the network policy tests.</summary>
internal static class PolicyObjects
{
    public static V1Pod Pod(string name, string ip, string node = "node-1", string ns = "default", Dictionary<string, string>? labels = null, params V1ContainerPort[] ports) => new()
    {
        ApiVersion = "v1",
        Kind = "Pod",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels ?? new Dictionary<string, string> { ["app"] = name } },
        Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c", Image = "busybox", Ports = ports.Length == 0 ? null : ports }] },
        Status = new V1PodStatus { Phase = "Running", PodIP = ip },
    };

    public static V1Namespace Namespace(string name, Dictionary<string, string>? labels = null) => new()
    {
        ApiVersion = "v1",
        Kind = "Namespace",
        Metadata = new V1ObjectMeta
        {
            Name = name,
            Labels = new Dictionary<string, string>(labels ?? []) { ["kubernetes.io/metadata.name"] = name },
        },
    };

    public static V1NetworkPolicy Policy(string name, V1NetworkPolicySpec spec, string ns = "default") => new()
    {
        ApiVersion = "networking.k8s.io/v1",
        Kind = "NetworkPolicy",
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = spec,
    };

    public static V1LabelSelector Select(string key, string value) => new() { MatchLabels = new Dictionary<string, string> { [key] = value } };

    public static V1LabelSelector All => new();

    public static Dictionary<string, string> Labels(string key, string value) => new() { [key] = value };
}
