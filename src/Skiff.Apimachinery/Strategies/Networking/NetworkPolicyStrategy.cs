using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Strategies.Pods;
using Skiff.Apimachinery.Strategies.Workloads;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Networking;

/// <summary>
/// networking.k8s.io/v1 NetworkPolicy as upstream's registry serves it: defaults (policyTypes Ingress, plus Egress
/// when egress rules are given; a port's protocol TCP), ValidateNetworkPolicy's messages (selectors, ports and
/// endPort, peers, ipBlock CIDRs with excepts strictly inside), generation counting spec changes, no status.
/// Printer: NAME POD-SELECTOR AGE.
/// </summary>
public sealed class NetworkPolicyStrategy : ResourceStrategy<V1NetworkPolicy>
{
    private static readonly string[] Protocols = ["TCP", "UDP", "SCTP"];
    private static readonly string[] PolicyTypes = ["Ingress", "Egress"];

    public NetworkPolicyStrategy()
        : base(namespaced: true, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: false, tracksGeneration: true)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.String(
            "Pod-Selector",
            "podSelector selects the pods to which this NetworkPolicy object applies. The array of rules is applied to any pods selected by this field. An empty selector matches all pods in the policy's namespace. Multiple network policies can select the same set of pods. In this case, the ingress rules for each are combined additively. This field is optional. If it is not specified, it defaults to an empty selector."),
        Column.Age,
    ];

    protected override void ApplyDefaults(V1NetworkPolicy obj)
    {
        var spec = obj.Spec ??= new V1NetworkPolicySpec();
        spec.PodSelector ??= new V1LabelSelector();
        if (spec.PolicyTypes is not { Count: > 0 })
        {
            spec.PolicyTypes = ["Ingress"];
            if (spec.Egress is { Count: > 0 })
            {
                spec.PolicyTypes.Add("Egress");
            }
        }

        var ports = (spec.Ingress ?? []).SelectMany(r => r.Ports ?? []).Concat((spec.Egress ?? []).SelectMany(r => r.Ports ?? []));
        foreach (var port in ports)
        {
            port.Protocol ??= "TCP";
        }
    }

    protected override IEnumerable<FieldError> Validate(V1NetworkPolicy obj)
    {
        var spec = obj.Spec ?? new V1NetworkPolicySpec();
        var errors = new List<FieldError>();
        errors.AddRange(Selector(spec.PodSelector ?? new V1LabelSelector(), "spec.podSelector"));
        for (var i = 0; i < (spec.Ingress?.Count ?? 0); i++)
        {
            var rule = spec.Ingress![i];
            ValidatePorts(rule.Ports, $"spec.ingress[{i}].ports", errors);
            ValidatePeers(rule.FromProperty, $"spec.ingress[{i}].from", errors);
        }

        for (var i = 0; i < (spec.Egress?.Count ?? 0); i++)
        {
            var rule = spec.Egress![i];
            ValidatePorts(rule.Ports, $"spec.egress[{i}].ports", errors);
            ValidatePeers(rule.To, $"spec.egress[{i}].to", errors);
        }

        var types = spec.PolicyTypes ?? [];
        if (types.Count > PolicyTypes.Length)
        {
            errors.Add(FieldErrors.Invalid("spec.policyTypes", types, "may not specify more than two policyTypes"));
            return errors;
        }

        for (var i = 0; i < types.Count; i++)
        {
            if (!PolicyTypes.Contains(types[i]))
            {
                errors.Add(FieldErrors.NotSupported($"spec.policyTypes[{i}]", types[i], PolicyTypes));
            }
        }

        return errors;
    }

    protected override IReadOnlyList<object?> Cells(V1NetworkPolicy obj, DateTimeOffset now)
    {
        var selector = LabelFormatting.FormatSelector(obj.Spec?.PodSelector);
        return [obj.Metadata?.Name, selector.Length == 0 ? "<none>" : selector, HumanDuration.Since(obj.Metadata?.CreationTimestamp, now)];
    }

    /// <summary>ValidateLabelSelector: an empty selector is valid here (it selects everything).</summary>
    private static IEnumerable<FieldError> Selector(V1LabelSelector selector, string path) =>
        PodTemplateRules.ValidateSelector(selector, path, "networkpolicy").Where(e => !e.Detail.StartsWith("empty selector", StringComparison.Ordinal));

    private static void ValidatePorts(IList<V1NetworkPolicyPort>? ports, string path, List<FieldError> errors)
    {
        for (var i = 0; i < (ports?.Count ?? 0); i++)
        {
            var port = ports![i];
            var at = $"{path}[{i}]";
            if (port.Protocol is { } protocol && !Protocols.Contains(protocol))
            {
                errors.Add(FieldErrors.NotSupported($"{at}.protocol", protocol, Protocols));
            }

            if (port.Port is null)
            {
                if (port.EndPort is { } end)
                {
                    errors.Add(FieldErrors.Invalid($"{at}.endPort", end, "may not be specified when `port` is not specified"));
                }
            }
            else if (int.TryParse(port.Port.Value, System.Globalization.NumberStyles.AllowLeadingSign, System.Globalization.CultureInfo.InvariantCulture, out var number))
            {
                if (number is < 1 or > 65535)
                {
                    errors.Add(FieldErrors.Invalid($"{at}.port", number, "must be between 1 and 65535, inclusive"));
                }

                if (port.EndPort is { } end)
                {
                    if (end < number)
                    {
                        errors.Add(FieldErrors.Invalid($"{at}.endPort", number, "must be greater than or equal to `port`"));
                    }

                    if (end is < 1 or > 65535)
                    {
                        errors.Add(FieldErrors.Invalid($"{at}.endPort", end, "must be between 1 and 65535, inclusive"));
                    }
                }
            }
            else
            {
                if (port.EndPort is { } end)
                {
                    errors.Add(FieldErrors.Invalid($"{at}.endPort", end, "may not be specified when `port` is non-numeric"));
                }

                errors.AddRange(FieldErrors.InvalidEach($"{at}.port", port.Port.Value, PodSpecValidator.PortNameErrors(port.Port.Value)));
            }
        }
    }

    private static void ValidatePeers(IList<V1NetworkPolicyPeer>? peers, string path, List<FieldError> errors)
    {
        for (var i = 0; i < (peers?.Count ?? 0); i++)
        {
            var peer = peers![i];
            var at = $"{path}[{i}]";
            var count = 0;
            if (peer.PodSelector is not null)
            {
                count++;
                errors.AddRange(Selector(peer.PodSelector, $"{at}.podSelector"));
            }

            if (peer.NamespaceSelector is not null)
            {
                count++;
                errors.AddRange(Selector(peer.NamespaceSelector, $"{at}.namespaceSelector"));
            }

            if (peer.IpBlock is not null)
            {
                count++;
                ValidateIpBlock(peer.IpBlock, $"{at}.ipBlock", errors);
            }

            if (count == 0)
            {
                errors.Add(FieldErrors.Required(at, "must specify a peer"));
            }
            else if (count > 1 && peer.IpBlock is not null)
            {
                errors.Add(FieldErrors.Forbidden(at, "may not specify both ipBlock and another peer"));
            }
        }
    }

    private static void ValidateIpBlock(V1IPBlock block, string path, List<FieldError> errors)
    {
        if (string.IsNullOrEmpty(block.Cidr))
        {
            errors.Add(FieldErrors.Required($"{path}.cidr"));
            return;
        }

        if (!Cidr.TryParse(block.Cidr, out var cidr))
        {
            errors.Add(FieldErrors.Invalid($"{path}.cidr", block.Cidr, $"invalid CIDR address: {block.Cidr}"));
            return;
        }

        for (var i = 0; i < (block.Except?.Count ?? 0); i++)
        {
            var text = block.Except![i];
            var at = $"{path}.except[{i}]";
            if (!Cidr.TryParse(text, out var except))
            {
                errors.Add(FieldErrors.Invalid(at, text, "must be a valid CIDR"));
                return;
            }

            if (!cidr.Contains(except.Network) || cidr.PrefixLength >= except.PrefixLength)
            {
                errors.Add(FieldErrors.Invalid(at, text, "must be a strict subset of `cidr`"));
            }
        }
    }
}
