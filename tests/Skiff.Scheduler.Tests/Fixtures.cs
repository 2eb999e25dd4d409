using k8s.Models;
using Skiff.Scheduler.Cache;
using Skiff.Scheduler.Framework;

namespace Skiff.Scheduler.Tests;

internal static class Fixtures
{
    public static V1Node Node(string name, string cpu = "4", string memory = "8Gi", int pods = 110, Dictionary<string, string>? labels = null, List<V1Taint>? taints = null, bool unschedulable = false) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels ?? new Dictionary<string, string> { ["kubernetes.io/hostname"] = name } },
        Spec = new V1NodeSpec { Taints = taints, Unschedulable = unschedulable ? true : null },
        Status = new V1NodeStatus
        {
            Allocatable = new Dictionary<string, ResourceQuantity> { ["cpu"] = new(cpu), ["memory"] = new(memory), ["pods"] = new(pods.ToString(System.Globalization.CultureInfo.InvariantCulture)) },
            Conditions = [new V1NodeCondition { Type = "Ready", Status = "True" }],
        },
    };

    public static V1Pod Pod(string name, string? cpu = null, string? memory = null, string ns = "default", string? node = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Uid = "uid-" + name },
        Spec = new V1PodSpec
        {
            NodeName = node,
            Containers =
            [
                new V1Container
                {
                    Name = "c",
                    Image = "nginx",
                    Resources = new V1ResourceRequirements
                    {
                        Requests = new Dictionary<string, ResourceQuantity>(
                            new[] { ("cpu", cpu), ("memory", memory) }.Where(r => r.Item2 is not null).Select(r => KeyValuePair.Create(r.Item1, new ResourceQuantity(r.Item2!)))),
                    },
                },
            ],
        },
    };

    public static NodeInfo Info(V1Node node, params V1Pod[] pods)
    {
        var info = new NodeInfo(node.Metadata.Name) { Node = node };
        foreach (var pod in pods)
        {
            info.AddPod(pod.Metadata.Name, pod);
        }

        return info;
    }

    public static SchedulingPod Scheduling(V1Pod pod) => new(pod);
}
