using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>
/// The rules of a node: a kubelet registers its node with its status, so create keeps the status; main-resource
/// updates keep it; taints are validated; podCIDR and providerID may only be set once. Printer: STATUS from the Ready
/// condition (plus SchedulingDisabled), ROLES from <c>node-role.kubernetes.io/*</c> labels.
/// </summary>
public sealed class NodeStrategy : ResourceStrategy<V1Node>
{
    private const string RolePrefix = "node-role.kubernetes.io/";
    private const string RoleLabel = "kubernetes.io/role";
    private static readonly string[] TaintEffects = ["NoSchedule", "PreferNoSchedule", "NoExecute"];

    public NodeStrategy()
        : base(namespaced: false, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: true, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.String("Status", "The status of the node"),
        Column.String("Roles", "The roles of the node"),
        Column.Age,
        Column.String("Version", "Kubelet Version reported by the node."),
        Column.String("Internal-IP", "List of addresses reachable to the node. Queried from cloud provider, if available.", 1),
        Column.String("External-IP", "List of addresses reachable to the node. Queried from cloud provider, if available.", 1),
        Column.String("OS-Image", "OS Image reported by the node from /etc/os-release (e.g. Debian GNU/Linux 7 (wheezy)).", 1),
        Column.String("Kernel-Version", "Kernel Version reported by the node from 'uname -r' (e.g. 3.16.0-0.bpo.4-amd64).", 1),
        Column.String("Container-Runtime", "ContainerRuntime Version reported by the node through runtime remote API (e.g. containerd://1.4.2).", 1),
    ];

    /// <summary>Unlike most kinds, a node is created with its status (the kubelet's first report).</summary>
    protected override void ResetStatus(V1Node obj)
    {
    }

    protected override IEnumerable<FieldError> Validate(V1Node obj)
    {
        var taints = obj.Spec?.Taints ?? [];
        var seen = new HashSet<(string?, string?)>();
        for (var i = 0; i < taints.Count; i++)
        {
            var taint = taints[i];
            var at = $"spec.taints[{i}]";
            if (string.IsNullOrEmpty(taint.Key))
            {
                yield return FieldErrors.Required($"{at}.key");
            }
            else
            {
                foreach (var error in FieldErrors.InvalidEach($"{at}.key", taint.Key, NameRules.QualifiedName(taint.Key)))
                {
                    yield return error;
                }
            }

            if (!string.IsNullOrEmpty(taint.Value))
            {
                foreach (var error in FieldErrors.InvalidEach($"{at}.value", taint.Value, NameRules.LabelValue(taint.Value)))
                {
                    yield return error;
                }
            }

            if (string.IsNullOrEmpty(taint.Effect))
            {
                yield return FieldErrors.Required($"{at}.effect");
            }
            else if (!TaintEffects.Contains(taint.Effect))
            {
                yield return FieldErrors.NotSupported($"{at}.effect", taint.Effect, TaintEffects);
            }

            if (!seen.Add((taint.Key, taint.Effect)))
            {
                yield return FieldErrors.Duplicate(at, $"{taint.Key}:{taint.Effect}");
            }
        }
    }

    protected override IEnumerable<FieldError> ValidateUpdate(V1Node obj, V1Node old)
    {
        foreach (var error in Validate(obj))
        {
            yield return error;
        }

        if (!string.IsNullOrEmpty(old.Spec?.PodCIDR) && obj.Spec?.PodCIDR != old.Spec.PodCIDR)
        {
            yield return FieldErrors.Forbidden("spec.podCIDR", "node updates may not change podCIDR except from \"\" to valid");
        }

        if (!string.IsNullOrEmpty(old.Spec?.ProviderID) && obj.Spec?.ProviderID != old.Spec.ProviderID)
        {
            yield return FieldErrors.Forbidden("spec.providerID", "node updates may only set providerID if it was unset");
        }
    }

    protected override IReadOnlyList<object?> Cells(V1Node obj, DateTimeOffset now)
    {
        var info = obj.Status?.NodeInfo;
        var roles = Roles(obj);
        return
        [
            obj.Metadata?.Name,
            Status(obj),
            roles.Count == 0 ? "<none>" : string.Join(",", roles),
            HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
            info?.KubeletVersion ?? string.Empty,
            Address(obj, "InternalIP"),
            Address(obj, "ExternalIP"),
            string.IsNullOrEmpty(info?.OsImage) ? "<unknown>" : info.OsImage,
            string.IsNullOrEmpty(info?.KernelVersion) ? "<unknown>" : info.KernelVersion,
            string.IsNullOrEmpty(info?.ContainerRuntimeVersion) ? "<unknown>" : info.ContainerRuntimeVersion,
        ];
    }

    protected override void AddSelectableFields(V1Node obj, IDictionary<string, string> fields) =>
        fields["spec.unschedulable"] = obj.Spec?.Unschedulable == true ? "true" : "false";

    /// <summary><c>Ready</c>, <c>NotReady</c> (any non-True Ready condition) or <c>Unknown</c> (none), plus
    /// <c>,SchedulingDisabled</c> for a cordoned node.</summary>
    public static string Status(V1Node node)
    {
        var ready = node.Status?.Conditions?.FirstOrDefault(c => c.Type == "Ready");
        var status = ready is null ? "Unknown" : ready.Status == "True" ? "Ready" : "NotReady";
        return node.Spec?.Unschedulable == true ? status + ",SchedulingDisabled" : status;
    }

    /// <summary>The node's roles: the suffixes of <c>node-role.kubernetes.io/&lt;role&gt;</c> labels and the value
    /// of <c>kubernetes.io/role</c>, sorted and distinct.</summary>
    public static IReadOnlyList<string> Roles(V1Node node)
    {
        var roles = new SortedSet<string>(StringComparer.Ordinal);
        foreach (var (key, value) in node.Metadata?.Labels ?? new Dictionary<string, string>())
        {
            if (key.StartsWith(RolePrefix, StringComparison.Ordinal) && key.Length > RolePrefix.Length)
            {
                roles.Add(key[RolePrefix.Length..]);
            }
            else if (key == RoleLabel && !string.IsNullOrEmpty(value))
            {
                roles.Add(value);
            }
        }

        return [.. roles];
    }

    private static string Address(V1Node node, string type) =>
        node.Status?.Addresses?.FirstOrDefault(a => a.Type == type)?.Address ?? "<none>";
}
