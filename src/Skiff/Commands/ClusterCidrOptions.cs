using System.CommandLine;
using Skiff.Controllers;
using Skiff.Controllers.NodeIpam;

namespace Skiff.Commands;

/// <summary><c>--cluster-cidr</c> and <c>--node-cidr-mask-size</c>, shared by <c>skiff server</c> and
/// <c>skiff controller-manager</c>: the range the node IPAM controller cuts into one pod subnet per node.</summary>
internal sealed class ClusterCidrOptions
{
    private readonly Option<string> _clusterCidr = new("--cluster-cidr")
    {
        Description = "IPv4 range of the pods' addresses; every node gets one block of it as its pod subnet (spec.podCIDR).",
        DefaultValueFactory = _ => ControllerManagerOptions.DefaultClusterCidr,
    };

    private readonly Option<int> _maskSize = new("--node-cidr-mask-size")
    {
        Description = "Prefix length of each node's pod subnet.",
        DefaultValueFactory = _ => ControllerManagerOptions.DefaultNodeCidrMaskSize,
    };

    public void AddTo(Command command)
    {
        command.Options.Add(_clusterCidr);
        command.Options.Add(_maskSize);
        command.Validators.Add(result =>
        {
            try
            {
                // A command validator sees no default values: an option not given yields its default here by hand.
                var cidr = result.GetResult(_clusterCidr) is { } c ? c.GetValueOrDefault<string>() : ControllerManagerOptions.DefaultClusterCidr;
                var mask = result.GetResult(_maskSize) is { } m ? m.GetValueOrDefault<int>() : ControllerManagerOptions.DefaultNodeCidrMaskSize;
                _ = new CidrSet(cidr, mask);
            }
            catch (ArgumentException e)
            {
                result.AddError(e.Message);
            }
        });
    }

    public ControllerManagerOptions ApplyTo(ControllerManagerOptions options, ParseResult parse) =>
        options with { ClusterCidr = parse.GetValue(_clusterCidr), NodeCidrMaskSize = parse.GetValue(_maskSize) };
}
