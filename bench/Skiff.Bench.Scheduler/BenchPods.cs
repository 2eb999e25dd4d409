using k8s.Models;

namespace Skiff.Bench.Scheduler;

/// <summary>The pods of scheduler_perf's shapes: 100m CPU and 500Mi each, labelled <c>group=shape</c>; <c>anti</c> adds
/// required anti-affinity on the hostname, <c>spread</c> a zone spread constraint (maxSkew 1, DoNotSchedule).</summary>
internal static class BenchPods
{
    public static V1Pod Pod(string ns, string name, string shape)
    {
        var labels = new Dictionary<string, string> { ["group"] = shape };
        var spec = new V1PodSpec
        {
            Containers =
            [
                new V1Container
                {
                    Name = "pause",
                    Image = "registry.k8s.io/pause:3.10",
                    Resources = new V1ResourceRequirements { Requests = new Dictionary<string, ResourceQuantity> { ["cpu"] = new("100m"), ["memory"] = new("500Mi") } },
                },
            ],
        };
        var selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["group"] = shape } };
        switch (shape)
        {
            case "anti":
                spec.Affinity = new V1Affinity
                {
                    PodAntiAffinity = new V1PodAntiAffinity
                    {
                        RequiredDuringSchedulingIgnoredDuringExecution = [new V1PodAffinityTerm { LabelSelector = selector, TopologyKey = "kubernetes.io/hostname" }],
                    },
                };
                break;
            case "spread":
                spec.TopologySpreadConstraints =
                [
                    new V1TopologySpreadConstraint { MaxSkew = 1, TopologyKey = "topology.kubernetes.io/zone", WhenUnsatisfiable = "DoNotSchedule", LabelSelector = selector },
                ];
                break;
        }

        return new V1Pod { ApiVersion = "v1", Kind = "Pod", Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Labels = labels }, Spec = spec };
    }
}
