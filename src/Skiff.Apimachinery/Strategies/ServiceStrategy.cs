using System.Globalization;
using System.Net;
using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Strategies.Pods;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>
/// The rules of a service: DNS-1035 names; defaults type ClusterIP, sessionAffinity None, port protocol TCP,
/// targetPort = port, internalTrafficPolicy Cluster, externalTrafficPolicy Cluster for node ports and load balancers,
/// ipFamilyPolicy SingleStack / ipFamilies [IPv4] (Skiff clusters are IPv4 single-stack); port and type validation;
/// clusterIP immutable once set.
/// </summary>
/// <remarks>
/// Allocation is the API server's job, because it must be unique across the cluster and stored with the service:
/// when <see cref="NeedsClusterIp"/> is true, the server picks a free IP from its service range and sets both
/// <c>spec.clusterIP</c> and <c>spec.clusterIPs</c> (the same for node ports, <see cref="NeedsNodePorts"/>). Validation
/// accepts an empty clusterIP so the server may allocate before or after it.
/// </remarks>
public sealed class ServiceStrategy : ResourceStrategy<V1Service>
{
    private static readonly string[] Types = ["ClusterIP", "ExternalName", "LoadBalancer", "NodePort"];
    private static readonly string[] Affinities = ["ClientIP", "None"];
    private static readonly string[] Protocols = ["SCTP", "TCP", "UDP"];
    private static readonly string[] TrafficPolicies = ["Cluster", "Local"];

    public ServiceStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1035Label, hasStatusSubresource: true, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.String("Type", "type determines how the Service is exposed. Defaults to ClusterIP. Valid options are ExternalName, ClusterIP, NodePort, and LoadBalancer."),
        Column.String("Cluster-IP", "clusterIP is the IP address of the service and is usually assigned randomly."),
        Column.String("External-IP", "externalIPs is a list of IP addresses for which nodes in the cluster will also accept traffic for this service."),
        Column.String("Port(s)", "The list of ports that are exposed by this service."),
        Column.Age,
        Column.String("Selector", "Route service traffic to pods with label keys and values matching this selector.", 1),
    ];

    /// <summary>Whether the server must allocate a cluster IP (every type but ExternalName, unless one is given or
    /// the service is headless).</summary>
    public static bool NeedsClusterIp(V1Service service) =>
        service.Spec?.Type != "ExternalName" && string.IsNullOrEmpty(service.Spec?.ClusterIP);

    /// <summary>Whether the server must allocate node ports for ports without one (NodePort and LoadBalancer).</summary>
    public static bool NeedsNodePorts(V1Service service) =>
        service.Spec?.Type is "NodePort" or "LoadBalancer" && (service.Spec.Ports ?? []).Any(p => p.NodePort is null or 0);

    protected override void ApplyDefaults(V1Service obj)
    {
        var spec = obj.Spec ??= new V1ServiceSpec();
        if (string.IsNullOrEmpty(spec.Type))
        {
            spec.Type = "ClusterIP";
        }

        if (string.IsNullOrEmpty(spec.SessionAffinity))
        {
            spec.SessionAffinity = "None";
        }

        foreach (var port in spec.Ports ?? [])
        {
            if (string.IsNullOrEmpty(port.Protocol))
            {
                port.Protocol = "TCP";
            }

            if (port.TargetPort is null || string.IsNullOrEmpty(port.TargetPort.Value) || port.TargetPort.Value == "0")
            {
                port.TargetPort = port.Port;
            }
        }

        if (spec.Type == "ExternalName")
        {
            return;
        }

        if (string.IsNullOrEmpty(spec.InternalTrafficPolicy))
        {
            spec.InternalTrafficPolicy = "Cluster";
        }

        if (spec.Type is "NodePort" or "LoadBalancer" && string.IsNullOrEmpty(spec.ExternalTrafficPolicy))
        {
            spec.ExternalTrafficPolicy = "Cluster";
        }

        if (string.IsNullOrEmpty(spec.IpFamilyPolicy))
        {
            spec.IpFamilyPolicy = "SingleStack";
        }

        if (spec.IpFamilies is null || spec.IpFamilies.Count == 0)
        {
            spec.IpFamilies = ["IPv4"];
        }

        if (!string.IsNullOrEmpty(spec.ClusterIP) && (spec.ClusterIPs is null || spec.ClusterIPs.Count == 0))
        {
            spec.ClusterIPs = [spec.ClusterIP];
        }
    }

    protected override IEnumerable<FieldError> Validate(V1Service obj)
    {
        var errors = new List<FieldError>();
        var spec = obj.Spec ?? new V1ServiceSpec();
        if (!Types.Contains(spec.Type))
        {
            errors.Add(FieldErrors.NotSupported("spec.type", spec.Type, Types));
        }

        if (!Affinities.Contains(spec.SessionAffinity))
        {
            errors.Add(FieldErrors.NotSupported("spec.sessionAffinity", spec.SessionAffinity, Affinities));
        }

        var headless = spec.ClusterIP == "None";
        if (spec.Type == "ExternalName")
        {
            if (string.IsNullOrEmpty(spec.ExternalName))
            {
                errors.Add(FieldErrors.Required("spec.externalName"));
            }
        }
        else if ((spec.Ports?.Count ?? 0) == 0 && !headless)
        {
            errors.Add(FieldErrors.Required("spec.ports"));
        }

        if (!string.IsNullOrEmpty(spec.ClusterIP) && !headless && !IPAddress.TryParse(spec.ClusterIP, out _))
        {
            errors.Add(FieldErrors.Invalid("spec.clusterIPs[0]", spec.ClusterIP, "must be a valid IP address, (e.g. 10.9.8.7 or 2001:db8::ffff)"));
        }

        if (!string.IsNullOrEmpty(spec.InternalTrafficPolicy) && !TrafficPolicies.Contains(spec.InternalTrafficPolicy))
        {
            errors.Add(FieldErrors.NotSupported("spec.internalTrafficPolicy", spec.InternalTrafficPolicy, TrafficPolicies));
        }

        ValidatePorts(spec, errors);
        errors.AddRange(ObjectMetaValidator.ValidateLabels(spec.Selector, "spec.selector"));
        return errors;
    }

    private static void ValidatePorts(V1ServiceSpec spec, List<FieldError> errors)
    {
        var ports = spec.Ports ?? [];
        var names = new HashSet<string>(StringComparer.Ordinal);
        for (var i = 0; i < ports.Count; i++)
        {
            var port = ports[i];
            var at = $"spec.ports[{i}]";
            if (ports.Count > 1 && string.IsNullOrEmpty(port.Name))
            {
                errors.Add(FieldErrors.Required($"{at}.name"));
            }
            else if (!string.IsNullOrEmpty(port.Name))
            {
                errors.AddRange(FieldErrors.InvalidEach($"{at}.name", port.Name, NameRules.Dns1123Label(port.Name)));
                if (!names.Add(port.Name))
                {
                    errors.Add(FieldErrors.Duplicate($"{at}.name", port.Name));
                }
            }

            errors.AddRange(NameRules.PortNumber(port.Port).Select(m => FieldErrors.Invalid($"{at}.port", port.Port, m)));
            if (!Protocols.Contains(port.Protocol))
            {
                errors.Add(FieldErrors.NotSupported($"{at}.protocol", port.Protocol, Protocols));
            }

            if (port.NodePort is { } nodePort and not 0)
            {
                if (spec.Type is not ("NodePort" or "LoadBalancer"))
                {
                    errors.Add(FieldErrors.Forbidden($"{at}.nodePort", $"may not be used when `type` is '{spec.Type}'"));
                }

                errors.AddRange(NameRules.PortNumber(nodePort).Select(m => FieldErrors.Invalid($"{at}.nodePort", nodePort, m)));
            }

            if (port.TargetPort?.Value is { Length: > 0 } target)
            {
                if (int.TryParse(target, NumberStyles.None, CultureInfo.InvariantCulture, out var number))
                {
                    errors.AddRange(NameRules.PortNumber(number).Select(m => FieldErrors.Invalid($"{at}.targetPort", number, m)));
                }
                else
                {
                    errors.AddRange(FieldErrors.InvalidEach($"{at}.targetPort", target, PodSpecValidator.PortNameErrors(target)));
                }
            }
        }
    }

    protected override IEnumerable<FieldError> ValidateUpdate(V1Service obj, V1Service old)
    {
        foreach (var error in Validate(obj))
        {
            yield return error;
        }

        // A cluster IP, once allocated, stays (except when the type changes to or from ExternalName).
        var oldIp = old.Spec?.ClusterIP;
        var newIp = obj.Spec?.ClusterIP;
        if (!string.IsNullOrEmpty(oldIp) && !string.IsNullOrEmpty(newIp) && oldIp != newIp
            && old.Spec?.Type != "ExternalName" && obj.Spec?.Type != "ExternalName")
        {
            yield return FieldErrors.Invalid("spec.clusterIPs[0]", newIp, "may not change once set");
        }
    }

    protected override void OnUpdate(V1Service obj, V1Service old, DateTimeOffset now)
    {
        // An update that leaves clusterIP out keeps the allocated one (what clients that drop it expect).
        var spec = obj.Spec ??= new V1ServiceSpec();
        var oldSpec = old.Spec ?? new V1ServiceSpec();
        if (spec.Type == "ExternalName" && oldSpec.Type != "ExternalName")
        {
            // Upstream's dropTypeDependentFields: what only the old type used goes when the client left it unchanged.
            if (spec.ClusterIP == oldSpec.ClusterIP)
            {
                spec.ClusterIP = null;
                spec.ClusterIPs = null;
            }

            spec.IpFamilies = null;
            spec.IpFamilyPolicy = null;
            spec.InternalTrafficPolicy = null;
        }

        if (spec.Type is not ("NodePort" or "LoadBalancer") && oldSpec.Type is "NodePort" or "LoadBalancer")
        {
            var oldNodePorts = (oldSpec.Ports ?? []).Select(p => p.NodePort).ToHashSet();
            foreach (var port in (spec.Ports ?? []).Where(p => p.NodePort is not null && oldNodePorts.Contains(p.NodePort)))
            {
                port.NodePort = null;
            }

            if (spec.ExternalTrafficPolicy == oldSpec.ExternalTrafficPolicy)
            {
                spec.ExternalTrafficPolicy = null;
            }
        }

        if (string.IsNullOrEmpty(spec.ClusterIP) && spec.Type != "ExternalName" && oldSpec.Type != "ExternalName" && !string.IsNullOrEmpty(oldSpec.ClusterIP))
        {
            spec.ClusterIP = oldSpec.ClusterIP;
            spec.ClusterIPs = oldSpec.ClusterIPs;
        }
    }

    protected override IReadOnlyList<object?> Cells(V1Service obj, DateTimeOffset now)
    {
        var spec = obj.Spec ?? new V1ServiceSpec();
        var clusterIp = spec.ClusterIPs is { Count: > 0 } ips ? ips[0] : string.IsNullOrEmpty(spec.ClusterIP) ? "<none>" : spec.ClusterIP;
        var ports = string.Join(",", (spec.Ports ?? []).Select(p =>
            p.NodePort is { } node and not 0
                ? string.Create(CultureInfo.InvariantCulture, $"{p.Port}:{node}/{p.Protocol}")
                : string.Create(CultureInfo.InvariantCulture, $"{p.Port}/{p.Protocol}")));
        return
        [
            obj.Metadata?.Name,
            spec.Type ?? string.Empty,
            clusterIp,
            ExternalIp(obj),
            ports.Length == 0 ? "<none>" : ports,
            HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
            LabelFormatting.FormatLabels(spec.Selector),
        ];
    }

    protected override void AddSelectableFields(V1Service obj, IDictionary<string, string> fields)
    {
        fields["spec.clusterIP"] = obj.Spec?.ClusterIP ?? string.Empty;
        fields["spec.type"] = obj.Spec?.Type ?? string.Empty;
    }

    /// <summary>The EXTERNAL-IP cell as the service printer computes it (wide form, no truncation).</summary>
    public static string ExternalIp(V1Service service)
    {
        var spec = service.Spec ?? new V1ServiceSpec();
        var external = spec.ExternalIPs ?? [];
        switch (spec.Type)
        {
            case "ClusterIP":
            case "NodePort":
                return external.Count > 0 ? string.Join(",", external) : "<none>";
            case "LoadBalancer":
                var ingress = (service.Status?.LoadBalancer?.Ingress ?? [])
                    .Select(i => !string.IsNullOrEmpty(i.Ip) ? i.Ip : i.Hostname)
                    .Where(a => !string.IsNullOrEmpty(a))
                    .ToList();
                var all = ingress.Concat(external).ToList();
                return all.Count > 0 ? string.Join(",", all) : "<pending>";
            case "ExternalName":
                return spec.ExternalName ?? string.Empty;
            default:
                return "<unknown>";
        }
    }
}
