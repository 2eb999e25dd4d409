using System.Text.Json.Nodes;

namespace Skiff.Containerd;

/// <summary>
/// Renders the node's CNI conflist: one bridge with host-local IPAM over the node's subnet, plus portmap for
/// hostPort. Loopback is not listed because containerd's CRI plugin sets it up itself.
/// </summary>
internal static class CniConfigFile
{
    public const string FileName = "10-skiff-bridge.conflist";

    public static string Render(ContainerdOptions options)
    {
        var subnet = Ipv4Subnet.Parse(options.Subnet);
        var conflist = new JsonObject
        {
            ["cniVersion"] = "1.0.0",
            ["name"] = options.NetworkName,
            ["plugins"] = new JsonArray
            {
                new JsonObject
                {
                    ["type"] = "bridge",
                    ["bridge"] = options.BridgeName,
                    ["isGateway"] = true,
                    ["ipMasq"] = options.IpMasquerade,
                    ["hairpinMode"] = true,
                    ["ipam"] = new JsonObject
                    {
                        ["type"] = "host-local",
                        ["ranges"] = new JsonArray
                        {
                            new JsonArray
                            {
                                new JsonObject
                                {
                                    ["subnet"] = subnet.ToString(),
                                    ["gateway"] = subnet.Gateway.ToString(),
                                },
                            },
                        },
                        ["routes"] = new JsonArray { new JsonObject { ["dst"] = "0.0.0.0/0" } },
                        ["dataDir"] = options.CniIpamDir,
                    },
                },
                new JsonObject
                {
                    ["type"] = "portmap",
                    ["capabilities"] = new JsonObject { ["portMappings"] = true },
                },
            },
        };
        if (options.PodMtu is { } mtu)
        {
            conflist["plugins"]![0]!["mtu"] = mtu;
        }

        return conflist.ToJsonString(new System.Text.Json.JsonSerializerOptions { WriteIndented = true });
    }
}
