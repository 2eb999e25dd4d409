namespace Skiff.Networking.Dns;

/// <summary>
/// One thing a name in the zone stands for (CoreDNS's msg.Service): an address (a cluster IP, an endpoint's or a
/// pod's IP) or a host name (an ExternalName), with the port it serves and the name that owns it (the service's
/// <c>svc.ns.svc.zone</c>, or an endpoint's <c>host.svc.ns.svc.zone</c>), which is the SRV target.
/// </summary>
internal sealed record ServiceRecord(string Host, int Port, string OwnerName)
{
    /// <summary>An endpoint without ports (headless Service without ports) still has an address (CoreDNS's
    /// sentinel port).</summary>
    public const int NoPort = -1;
}
