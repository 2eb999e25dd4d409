using k8s.Models;

namespace Skiff.Networking.Tests.Routes;

internal static class RouteNodes
{
    public static V1Node Node(string name, string? podCidr, string? internalIp) => new()
    {
        ApiVersion = "v1",
        Kind = "Node",
        Metadata = new V1ObjectMeta { Name = name },
        Spec = podCidr is null ? new V1NodeSpec() : new V1NodeSpec { PodCIDR = podCidr, PodCIDRs = [podCidr] },
        Status = new V1NodeStatus
        {
            Addresses = internalIp is null ? [] : [new V1NodeAddress { Type = "InternalIP", Address = internalIp }, new V1NodeAddress { Type = "Hostname", Address = name }],
        },
    };
}
