using System.Text.RegularExpressions;
using k8s.Models;

namespace Skiff.Apimachinery.OpenApi;

/// <summary>
/// The upstream schema name of a KubernetesClient model (<c>V1Pod</c> → <c>io.k8s.api.core.v1.Pod</c>,
/// <c>V1ObjectMeta</c> → <c>io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta</c>, <c>Eventsv1Event</c> →
/// <c>io.k8s.api.events.v1.Event</c>). The client's class names drop the group for most types, so the group of an
/// un-prefixed name comes from the kind families each group owns; everything else is core.
/// </summary>
public static partial class SchemaNames
{
    public const string MetaPackage = "io.k8s.apimachinery.pkg.apis.meta.v1";

    private static readonly HashSet<string> MetaTypes = new(StringComparer.Ordinal)
    {
        "ObjectMeta", "ListMeta", "LabelSelector", "LabelSelectorRequirement", "OwnerReference", "ManagedFieldsEntry",
        "Status", "StatusDetails", "StatusCause", "DeleteOptions", "Preconditions", "Condition", "APIResource",
        "APIResourceList", "APIGroup", "APIGroupList", "APIVersions", "GroupVersionForDiscovery", "ServerAddressByClientCIDR",
        "WatchEvent", "Patch",
    };

    // Un-prefixed names by the group that owns them (longest prefix wins); the rest are core/v1.
    private static readonly (string Prefix, string Group)[] GroupFamilies =
    [
        ("Deployment", "apps"), ("ReplicaSet", "apps"), ("DaemonSet", "apps"), ("StatefulSet", "apps"),
        ("ControllerRevision", "apps"), ("RollingUpdateDeployment", "apps"), ("RollingUpdateDaemonSet", "apps"),
        ("RollingUpdateStatefulSetStrategy", "apps"),
        ("Job", "batch"), ("CronJob", "batch"), ("PodFailurePolicy", "batch"), ("SuccessPolicy", "batch"),
        ("UncountedTerminatedPods", "batch"),
        ("Lease", "coordination"),
    ];

    // Names that only one group uses exactly (a prefix would catch core's ScaleIOVolumeSource).
    private static readonly Dictionary<string, string> ExactGroups = new(StringComparer.Ordinal)
    {
        ["Scale"] = "autoscaling", ["ScaleSpec"] = "autoscaling", ["ScaleStatus"] = "autoscaling",
    };

    [GeneratedRegex("^V(?<version>[0-9]+(?:alpha[0-9]+|beta[0-9]+)?)(?<name>[A-Z].*)$", RegexOptions.CultureInvariant)]
    private static partial Regex VersionPrefixed();

    [GeneratedRegex("^(?<group>[A-Z][a-z]+)(?<version>v[0-9]+(?:alpha[0-9]+|beta[0-9]+)?)(?<name>[A-Z].*)$", RegexOptions.CultureInvariant)]
    private static partial Regex GroupPrefixed();

    /// <summary>The full schema name, e.g. <c>io.k8s.api.apps.v1.Deployment</c>.</summary>
    public static string Of(Type type)
    {
        if (type == typeof(IntOrString))
        {
            return "io.k8s.apimachinery.pkg.util.intstr.IntOrString";
        }

        if (type == typeof(ResourceQuantity))
        {
            return "io.k8s.apimachinery.pkg.api.resource.Quantity";
        }

        var name = type.Name;
        var grouped = GroupPrefixed().Match(name);
        if (grouped.Success)
        {
            var group = grouped.Groups["group"].Value.ToLowerInvariant();
            return $"io.k8s.api.{group}.{grouped.Groups["version"].Value}.{grouped.Groups["name"].Value}";
        }

        var versioned = VersionPrefixed().Match(name);
        if (!versioned.Success)
        {
            return $"io.k8s.skiff.{name}";
        }

        var version = "v" + versioned.Groups["version"].Value;
        var kind = versioned.Groups["name"].Value;
        if (MetaTypes.Contains(kind))
        {
            return $"io.k8s.apimachinery.pkg.apis.meta.{version}.{kind}";
        }

        var owner = ExactGroups.GetValueOrDefault(kind) ?? GroupFamilies.Where(f => kind.StartsWith(f.Prefix, StringComparison.Ordinal))
            .OrderByDescending(f => f.Prefix.Length)
            .Select(f => f.Group)
            .FirstOrDefault() ?? "core";
        return $"io.k8s.api.{owner}.{version}.{kind}";
    }

    /// <summary>The last dotted part, what <c>kubectl explain</c> prints as the type (<c>&lt;PodSpec&gt;</c>).</summary>
    public static string ShortName(Type type)
    {
        var full = Of(type);
        return full[(full.LastIndexOf('.') + 1)..];
    }
}
