using System.Net;
using k8s.Models;

namespace Skiff.Simulation;

/// <summary>One simulated node's state in this process: its name and addresses, the Lease it last wrote (renewed
/// from it without a read) and when its status is due again.</summary>
internal sealed class SimulatedNode
{
    public SimulatedNode(string name, int index, IPAddress internalIp, Ipv4Cidr podCidr)
    {
        Name = name;
        Index = index;
        InternalIp = internalIp;
        PodCidr = podCidr;
        Addresses = new PodAddressPool(podCidr);
    }

    public string Name { get; }

    public int Index { get; }

    public IPAddress InternalIp { get; }

    /// <summary>The pod range: the node's <c>spec.podCIDR</c> once registered (an existing Node's is kept).</summary>
    public Ipv4Cidr PodCidr { get; private set; }

    public PodAddressPool Addresses { get; private set; }

    public bool Registered { get; set; }

    public string? Uid { get; set; }

    /// <summary>The Lease as the server last returned it; null until created or after a conflict.</summary>
    public V1Lease? Lease { get; set; }

    public DateTimeOffset LeaseDue { get; set; }

    /// <summary>Lease writes since registration.</summary>
    public long LeaseRenewals { get; set; }

    public DateTimeOffset StatusDue { get; set; }

    /// <summary>Takes the Node's own pod range when it has one other than the planned one.</summary>
    public void UsePodCidr(Ipv4Cidr cidr)
    {
        if (cidr != PodCidr)
        {
            PodCidr = cidr;
            Addresses = new PodAddressPool(cidr);
        }
    }
}
