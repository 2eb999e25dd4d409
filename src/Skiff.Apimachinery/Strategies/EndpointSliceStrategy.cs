using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>
/// The rules of a discovery.k8s.io/v1 EndpointSlice (upstream's pkg/apis/discovery/validation): addressType
/// IPv4/IPv6/FQDN and immutable, 1 to 100 addresses of that type per endpoint, at most 1000 endpoints and 100 ports,
/// unique port names, protocol defaulted to TCP. Printer: NAME ADDRESSTYPE PORTS ENDPOINTS AGE.
/// </summary>
public sealed class EndpointSliceStrategy : ResourceStrategy<V1EndpointSlice>
{
    private const int MaxShown = 3;
    private static readonly string[] AddressTypes = ["FQDN", "IPv4", "IPv6"];
    private static readonly string[] Protocols = ["SCTP", "TCP", "UDP"];

    public EndpointSliceStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: false, tracksGeneration: true)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.String("AddressType", "addressType specifies the type of address carried by this EndpointSlice. All addresses in this slice must be the same address type. This field is immutable after creation. The following address types are currently supported: * IPv4: Represents an IPv4 Address. * IPv6: Represents an IPv6 Address. * FQDN: Represents a Fully Qualified Domain Name."),
        Column.String("Ports", "ports specifies the list of network ports exposed by each endpoint in this slice. Each port must have a unique name. When ports is empty, it indicates that there are no defined ports. When a port is defined with a nil port value, it indicates \"all ports\". Each slice may include a maximum of 100 ports."),
        Column.String("Endpoints", "endpoints is a list of unique endpoints in this slice. Each slice may include a maximum of 1000 endpoints."),
        Column.Age,
    ];

    protected override void ApplyDefaults(V1EndpointSlice obj)
    {
        foreach (var port in obj.Ports ?? [])
        {
            port.Name ??= string.Empty;
            if (string.IsNullOrEmpty(port.Protocol))
            {
                port.Protocol = "TCP";
            }
        }
    }

    protected override IEnumerable<FieldError> Validate(V1EndpointSlice obj)
    {
        if (string.IsNullOrEmpty(obj.AddressType))
        {
            yield return FieldErrors.Required("addressType");
        }
        else if (!AddressTypes.Contains(obj.AddressType))
        {
            yield return FieldErrors.NotSupported("addressType", obj.AddressType, AddressTypes);
        }

        var endpoints = obj.Endpoints ?? [];
        if (endpoints.Count > 1000)
        {
            yield return FieldErrors.TooMany("endpoints", endpoints.Count, 1000);
        }

        for (var i = 0; i < endpoints.Count; i++)
        {
            var endpoint = endpoints[i];
            var addresses = endpoint.Addresses ?? [];
            var at = $"endpoints[{i}]";
            if (addresses.Count == 0)
            {
                yield return FieldErrors.Required($"{at}.addresses", "must contain at least 1 address");
            }
            else if (addresses.Count > 100)
            {
                yield return FieldErrors.TooMany($"{at}.addresses", addresses.Count, 100);
            }

            for (var a = 0; a < addresses.Count; a++)
            {
                foreach (var message in AddressErrors(obj.AddressType, addresses[a]))
                {
                    yield return FieldErrors.Invalid($"{at}.addresses[{a}]", addresses[a], message);
                }
            }

            if (!string.IsNullOrEmpty(endpoint.Hostname))
            {
                foreach (var error in FieldErrors.InvalidEach($"{at}.hostname", endpoint.Hostname, NameRules.Dns1123Label(endpoint.Hostname)))
                {
                    yield return error;
                }
            }

            if (!string.IsNullOrEmpty(endpoint.NodeName))
            {
                foreach (var error in FieldErrors.InvalidEach($"{at}.nodeName", endpoint.NodeName, NameRules.Dns1123Subdomain(endpoint.NodeName)))
                {
                    yield return error;
                }
            }
        }

        var ports = obj.Ports ?? [];
        if (ports.Count > 100)
        {
            yield return FieldErrors.TooMany("ports", ports.Count, 100);
        }

        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var p = 0; p < ports.Count; p++)
        {
            var port = ports[p];
            var at = $"ports[{p}]";
            if (!string.IsNullOrEmpty(port.Name))
            {
                foreach (var error in FieldErrors.InvalidEach($"{at}.name", port.Name, NameRules.Dns1123Label(port.Name)))
                {
                    yield return error;
                }
            }

            if (!names.Add(port.Name ?? string.Empty))
            {
                yield return FieldErrors.Duplicate($"{at}.name", port.Name ?? string.Empty);
            }

            if (!Protocols.Contains(port.Protocol))
            {
                yield return FieldErrors.NotSupported($"{at}.protocol", port.Protocol, Protocols);
            }

            if (port.Port is { } number)
            {
                foreach (var message in NameRules.PortNumber(number))
                {
                    yield return FieldErrors.Invalid($"{at}.port", number, message);
                }
            }
        }
    }

    protected override IEnumerable<FieldError> ValidateUpdate(V1EndpointSlice obj, V1EndpointSlice old)
    {
        foreach (var error in Validate(obj))
        {
            yield return error;
        }

        if (obj.AddressType != old.AddressType)
        {
            yield return FieldErrors.Immutable("addressType", obj.AddressType);
        }
    }

    private static IEnumerable<string> AddressErrors(string? addressType, string address)
    {
        switch (addressType)
        {
            case "IPv4":
                if (!IPAddress.TryParse(address, out var v4) || v4.AddressFamily != AddressFamily.InterNetwork)
                {
                    yield return "must be a valid IPv4 address";
                }

                break;
            case "IPv6":
                if (!IPAddress.TryParse(address, out var v6) || v6.AddressFamily != AddressFamily.InterNetworkV6)
                {
                    yield return "must be a valid IPv6 address";
                }

                break;
            case "FQDN":
                foreach (var message in NameRules.Dns1123Subdomain(address))
                {
                    yield return message;
                }

                break;
        }
    }

    protected override IReadOnlyList<object?> Cells(V1EndpointSlice obj, DateTimeOffset now) =>
    [
        obj.Metadata?.Name,
        obj.AddressType ?? string.Empty,
        FormatPorts(obj.Ports),
        FormatEndpoints(obj.Endpoints),
        HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
    ];

    /// <summary>The PORTS cell: up to three port numbers (the name, or <c>*</c>, when the number is unset).</summary>
    public static string FormatPorts(IList<Discoveryv1EndpointPort>? ports) =>
        WithMore((ports ?? []).Select(p => p.Port is { } n ? n.ToString(CultureInfo.InvariantCulture) : !string.IsNullOrEmpty(p.Name) ? p.Name : "*").ToList());

    /// <summary>The ENDPOINTS cell: up to three addresses, then <c>+ N more...</c>; <c>&lt;unset&gt;</c> when none.</summary>
    public static string FormatEndpoints(IList<V1Endpoint>? endpoints) =>
        WithMore((endpoints ?? []).SelectMany(e => e.Addresses ?? []).ToList());

    private static string WithMore(IReadOnlyList<string> all)
    {
        var text = string.Join(",", all.Take(MaxShown));
        if (all.Count > MaxShown)
        {
            return string.Create(CultureInfo.InvariantCulture, $"{text} + {all.Count - MaxShown} more...");
        }

        return text.Length == 0 ? "<unset>" : text;
    }
}
