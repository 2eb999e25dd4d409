using System.Globalization;
using System.Net;
using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>The rules of an Endpoints object: valid addresses and ports; printer ENDPOINTS lists up to three
/// <c>ip:port</c> pairs and <c>+ N more...</c>.</summary>
public sealed class EndpointsStrategy : ResourceStrategy<V1Endpoints>
{
    private const int MaxShown = 3;
    private static readonly string[] Protocols = ["SCTP", "TCP", "UDP"];

    public EndpointsStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: false, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.String("Endpoints", "The set of all endpoints is the union of all subsets. Addresses are placed into subsets according to the IPs they share. A single address with multiple ports, some of which are ready and some of which are not (because they come from different containers) will result in the address being displayed in different subsets for the different ports. No address will appear in both Addresses and NotReadyAddresses in the same subset. Sets of addresses and ports that comprise a service."),
        Column.Age,
    ];

    protected override IEnumerable<FieldError> Validate(V1Endpoints obj)
    {
        var subsets = obj.Subsets ?? [];
        for (var s = 0; s < subsets.Count; s++)
        {
            var subset = subsets[s];
            foreach (var (list, field) in new[] { (subset.Addresses, "addresses"), (subset.NotReadyAddresses, "notReadyAddresses") })
            {
                for (var a = 0; a < (list?.Count ?? 0); a++)
                {
                    var ip = list![a].Ip;
                    if (string.IsNullOrEmpty(ip) || !IPAddress.TryParse(ip, out _))
                    {
                        yield return FieldErrors.Invalid($"subsets[{s}].{field}[{a}].ip", ip ?? string.Empty,
                            "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)");
                    }
                }
            }

            var ports = subset.Ports ?? [];
            for (var p = 0; p < ports.Count; p++)
            {
                var port = ports[p];
                if (ports.Count > 1 && string.IsNullOrEmpty(port.Name))
                {
                    yield return FieldErrors.Required($"subsets[{s}].ports[{p}].name");
                }

                foreach (var message in NameRules.PortNumber(port.Port))
                {
                    yield return FieldErrors.Invalid($"subsets[{s}].ports[{p}].port", port.Port, message);
                }

                var protocol = string.IsNullOrEmpty(port.Protocol) ? "TCP" : port.Protocol;
                if (!Protocols.Contains(protocol))
                {
                    yield return FieldErrors.NotSupported($"subsets[{s}].ports[{p}].protocol", protocol, Protocols);
                }
            }
        }
    }

    protected override void ApplyDefaults(V1Endpoints obj)
    {
        foreach (var port in (obj.Subsets ?? []).SelectMany(s => s.Ports ?? []))
        {
            if (string.IsNullOrEmpty(port.Protocol))
            {
                port.Protocol = "TCP";
            }
        }
    }

    protected override IReadOnlyList<object?> Cells(V1Endpoints obj, DateTimeOffset now) =>
        [obj.Metadata?.Name, Format(obj), HumanDuration.Since(obj.Metadata?.CreationTimestamp, now)];

    /// <summary>The ENDPOINTS cell: <c>10.0.0.1:80,10.0.0.2:80,10.0.0.3:80 + 2 more...</c> or <c>&lt;none&gt;</c>.</summary>
    public static string Format(V1Endpoints endpoints)
    {
        var shown = new List<string>();
        var count = 0;
        foreach (var subset in endpoints.Subsets ?? [])
        {
            var addresses = subset.Addresses ?? [];
            if (subset.Ports is not { Count: > 0 })
            {
                count += addresses.Count;
                shown.AddRange(addresses.Take(MaxShown - shown.Count).Select(a => a.Ip));
                continue;
            }

            foreach (var port in subset.Ports)
            {
                count += addresses.Count;
                shown.AddRange(addresses.Take(MaxShown - shown.Count).Select(a => HostPort(a.Ip, port.Port)));
            }
        }

        if (endpoints.Subsets is not { Count: > 0 })
        {
            return "<none>"; // subsets with no ready address print an empty cell, as upstream's formatEndpoints
        }

        var text = string.Join(",", shown);
        return count > shown.Count ? string.Create(CultureInfo.InvariantCulture, $"{text} + {count - shown.Count} more...") : text;
    }

    private static string HostPort(string ip, int port) =>
        ip.Contains(':', StringComparison.Ordinal)
            ? string.Create(CultureInfo.InvariantCulture, $"[{ip}]:{port}")
            : string.Create(CultureInfo.InvariantCulture, $"{ip}:{port}");
}
