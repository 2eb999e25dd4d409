using k8s.Models;
using Skiff.Scheduler.Cache;

namespace Skiff.Scheduler.Tests;

/// <summary>Small builders for the node and pod fixtures of the plugin tables (upstream's st.MakeNode/MakePod role).</summary>
internal static class Fixtures
{
    public static V1Node Node(string name, string cpu = "4", string memory = "8Gi", string pods = "110", Dictionary<string, string>? labels = null, bool unschedulable = false, params V1Taint[] taints)
    {
        var allLabels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name };
        foreach (var (k, v) in labels ?? [])
        {
            allLabels[k] = v;
        }

        var allocatable = new Dictionary<string, ResourceQuantity>
        {
            ["cpu"] = new(cpu),
            ["memory"] = new(memory),
            ["pods"] = new(pods),
        };
        return new V1Node
        {
            ApiVersion = "v1",
            Kind = "Node",
            Metadata = new V1ObjectMeta { Name = name, Labels = allLabels },
            Spec = new V1NodeSpec { Unschedulable = unschedulable ? true : null, Taints = taints.Length == 0 ? null : taints.ToList() },
            Status = new V1NodeStatus { Allocatable = allocatable, Capacity = allocatable },
        };
    }

    public static V1Pod Pod(string name, string? cpu = null, string? memory = null, Dictionary<string, string>? labels = null, string? nodeName = null, int? priority = null)
    {
        var requests = new Dictionary<string, ResourceQuantity>();
        if (cpu is not null)
        {
            requests["cpu"] = new ResourceQuantity(cpu);
        }

        if (memory is not null)
        {
            requests["memory"] = new ResourceQuantity(memory);
        }

        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "default", Labels = labels, Uid = Guid.NewGuid().ToString() },
            Spec = new V1PodSpec
            {
                NodeName = nodeName,
                Priority = priority,
                SchedulerName = "default-scheduler",
                Containers = [new V1Container { Name = "c", Image = "nginx", Resources = new V1ResourceRequirements { Requests = requests.Count == 0 ? null : requests } }],
            },
        };
    }

    public static NodeInfo NodeInfo(V1Node node, params V1Pod[] pods)
    {
        var info = new NodeInfo(node);
        foreach (var pod in pods)
        {
            info.AddPod(new PodInfo(pod));
        }

        return info;
    }

    public static Dictionary<string, string> Labels(params string[] pairs) =>
        pairs.Select(p => p.Split('=')).ToDictionary(p => p[0], p => p[1]);
}
