using k8s.Models;

namespace Skiff.Client.Tests;

internal static class Pods
{
    public static V1Pod Make(string name, string ns = "default", string? node = null, Dictionary<string, string>? labels = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels },
        Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c", Image = "nginx" }] },
    };
}
