using System.Net;
using System.Net.Sockets;
using ARSoft.Tools.Net;
using ARSoft.Tools.Net.Dns;

namespace Skiff.Networking.Dns;

/// <summary>
/// The answers of the cluster zone (<c>cluster.local</c>) and of the reverse zones, as CoreDNS's kubernetes plugin
/// gives them: A/AAAA, SRV (with the targets' addresses as additional records), CNAME for ExternalNames, PTR, the
/// apex's SOA and NS, TXT <c>dns-version</c>; NXDOMAIN for names that do not exist and NODATA (NOERROR, no
/// answer) for names that exist without records of the asked type, both with the zone's SOA in the authority
/// section; SERVFAIL instead of NXDOMAIN until the caches have synced; REFUSED for zone transfers. Returns null for
/// a question it does not answer (outside the zone, or a reverse name the cluster does not know), which the server
/// forwards upstream, like the plugin's <c>fallthrough in-addr.arpa ip6.arpa</c>.
/// </summary>
internal sealed class ClusterZone
{
    /// <summary>The schema version CoreDNS publishes at <c>dns-version.zone</c> TXT.</summary>
    public const string SchemaVersion = "1.1.0";

    private readonly ClusterRecords _records;
    private readonly ClusterDnsData _data;
    private readonly string[] _zoneLabels;
    private readonly DomainName _zone;
    private readonly int _ttl;
    private readonly TimeProvider _time;
    private readonly (string Namespace, string Name) _dnsService;

    public ClusterZone(ClusterDnsData data, ClusterDnsOptions options, TimeProvider time)
    {
        ArgumentNullException.ThrowIfNull(options);
        _data = data;
        _records = new ClusterRecords(data, options.Zone);
        _zoneLabels = options.Zone.ToLowerInvariant().Split('.', StringSplitOptions.RemoveEmptyEntries);
        _zone = new DomainName(_zoneLabels);
        _ttl = options.TtlSeconds;
        _time = time;
        _dnsService = (options.ServiceNamespace, options.ServiceName);
    }

    public ZoneAnswer? Answer(DomainName name, RecordType type)
    {
        ArgumentNullException.ThrowIfNull(name);
        var labels = name.Labels.Select(l => l.ToLowerInvariant()).ToArray();
        if (ReverseName.IsReverse(labels))
        {
            return Reverse(name, labels, type);
        }

        if (!InZone(labels))
        {
            return null;
        }

        var inner = labels[..^_zoneLabels.Length];
        if (type is RecordType.Axfr or RecordType.Ixfr)
        {
            return new ZoneAnswer { Code = ReturnCode.Refused, Authoritative = false };
        }

        if (inner.Length == 0 && type is RecordType.Soa or RecordType.Ns)
        {
            var apex = new ZoneAnswer();
            if (type == RecordType.Soa)
            {
                apex.Answers.Add(Soa());
            }
            else
            {
                var ns = NameServer();
                apex.Answers.Add(new NsRecord(_zone, _ttl, ns));
                apex.Additional.AddRange(_records.ClusterIpsOf(_dnsService.Namespace, _dnsService.Name).Select(ip => AddressRecord(ns, IPAddress.Parse(ip))));
            }

            return apex;
        }

        if (type == RecordType.Txt && inner is ["dns-version"])
        {
            var version = new ZoneAnswer();
            version.Answers.Add(new TxtRecord(name, _ttl, SchemaVersion));
            return version;
        }

        var request = RecordRequest.Parse(inner);
        var found = request is null ? null : _records.Find(request);
        if (found is null)
        {
            return NameError();
        }

        var answer = new ZoneAnswer();
        switch (type)
        {
            case RecordType.A:
            case RecordType.Aaaa:
                Addresses(answer, name, type, found);
                break;
            case RecordType.Srv:
                Services(answer, name, found);
                break;
            case RecordType.CName:
                foreach (var target in found.Where(r => !IPAddress.TryParse(r.Host, out _)).Select(r => r.Host).Distinct(StringComparer.OrdinalIgnoreCase))
                {
                    answer.Answers.Add(new CNameRecord(name, _ttl, DomainName.Parse(target)));
                }

                break;
        }

        if (answer.Answers.Count == 0)
        {
            answer.Authority.Add(Soa());
        }

        return answer;
    }

    private ZoneAnswer? Reverse(DomainName name, string[] labels, RecordType type)
    {
        if (type != RecordType.Ptr || ReverseName.Address(labels) is not { } ip)
        {
            return null;
        }

        var targets = _records.Reverse(ip);
        if (targets.Count == 0)
        {
            return null;
        }

        var answer = new ZoneAnswer();
        answer.Answers.AddRange(targets.Select(t => new PtrRecord(name, _ttl, DomainName.Parse(t))));
        return answer;
    }

    private void Addresses(ZoneAnswer answer, DomainName name, RecordType type, IReadOnlyList<ServiceRecord> found)
    {
        var family = type == RecordType.A ? AddressFamily.InterNetwork : AddressFamily.InterNetworkV6;
        var seen = new HashSet<string>(StringComparer.Ordinal);
        foreach (var record in found)
        {
            if (!seen.Add(record.Host))
            {
                continue;
            }

            if (IPAddress.TryParse(record.Host, out var ip))
            {
                if (ip.AddressFamily == family)
                {
                    answer.Answers.Add(AddressRecord(name, ip));
                }

                continue;
            }

            // An ExternalName: the CNAME, then the target's addresses (inside the zone from the caches, outside
            // from upstream, which the server adds).
            var target = DomainName.Parse(record.Host);
            answer.Answers.Add(new CNameRecord(name, _ttl, target));
            var inner = Answer(target, type);
            if (inner is null)
            {
                answer.ChaseTarget = target;
            }
            else if (inner.Code == ReturnCode.NoError)
            {
                answer.Answers.AddRange(inner.Answers.Where(r => r is not CNameRecord));
            }
        }
    }

    private void Services(ZoneAnswer answer, DomainName name, IReadOnlyList<ServiceRecord> found)
    {
        var unique = found
            .Where(r => r.Port != ServiceRecord.NoPort || !IPAddress.TryParse(r.Host, out _))
            .DistinctBy(r => (r.Host, r.Port, r.OwnerName))
            .ToList();
        if (unique.Count == 0)
        {
            return;
        }

        // CoreDNS weighs the records of one priority equally: floor(100 / count).
        var weight = (ushort)(100 / unique.Count);
        var glue = new HashSet<(string, string)>();
        foreach (var record in unique)
        {
            if (!IPAddress.TryParse(record.Host, out var ip))
            {
                answer.Answers.Add(new SrvRecord(name, _ttl, 0, weight, 0, DomainName.Parse(record.Host)));
                continue;
            }

            var target = DomainName.Parse(record.OwnerName);
            answer.Answers.Add(new SrvRecord(name, _ttl, 0, weight, (ushort)record.Port, target));
            if (glue.Add((record.OwnerName, record.Host)))
            {
                answer.Additional.Add(AddressRecord(target, ip));
            }
        }
    }

    private ZoneAnswer NameError()
    {
        var error = new ZoneAnswer { Code = _data.HasSynced ? ReturnCode.NxDomain : ReturnCode.ServerFailure };
        error.Authority.Add(Soa());
        return error;
    }

    private DnsRecordBase AddressRecord(DomainName name, IPAddress ip) =>
        ip.AddressFamily == AddressFamily.InterNetwork ? new ARecord(name, _ttl, ip) : new AaaaRecord(name, _ttl, ip);

    private DomainName NameServer() => new(["ns", "dns", .. _zoneLabels]);

    private SoaRecord Soa() => new(
        _zone, _ttl, NameServer(), new DomainName(["hostmaster", .. _zoneLabels]),
        (uint)_time.GetUtcNow().ToUnixTimeSeconds(), 7200, 1800, 86400, _ttl);

    private bool InZone(string[] labels) =>
        labels.Length >= _zoneLabels.Length && labels.AsSpan(labels.Length - _zoneLabels.Length).SequenceEqual(_zoneLabels);
}
