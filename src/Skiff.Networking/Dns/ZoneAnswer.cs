using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Skiff.Networking.Dns;

/// <summary>What the cluster zone answers to one question: the rcode, the sections, and, for an A/AAAA question
/// answered by an ExternalName's CNAME, the target whose addresses the server should add from upstream.</summary>
internal sealed class ZoneAnswer
{
    public ReturnCode Code { get; init; } = ReturnCode.NoError;

    public List<DnsRecordBase> Answers { get; } = [];

    public List<DnsRecordBase> Additional { get; } = [];

    public List<DnsRecordBase> Authority { get; } = [];

    /// <summary>Set when the answer comes from the zone's data (not for SERVFAIL or REFUSED).</summary>
    public bool Authoritative { get; init; } = true;

    public DomainName? ChaseTarget { get; set; }
}
