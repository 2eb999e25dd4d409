using k8s;
using k8s.Models;
using Skiff.Api.Pods;

namespace Skiff.Api.Quota;

/// <summary>
/// What one object counts against a ResourceQuota (upstream's quota evaluators): every object its
/// <c>count/&lt;resource&gt;[.&lt;group&gt;]</c>; core kinds also their legacy names (<c>pods</c>, <c>services</c>,
/// <c>configmaps</c>, <c>secrets</c>, <c>persistentvolumeclaims</c>, <c>replicationcontrollers</c>,
/// <c>resourcequotas</c>), services their node ports and load balancers, pods their compute requests and limits
/// (<c>requests.cpu</c> alias <c>cpu</c>, <c>requests.memory</c> alias <c>memory</c>, <c>limits.*</c>,
/// ephemeral storage). A pod in a terminal phase counts nothing.
/// </summary>
public static class QuotaUsage
{
    private static readonly HashSet<string> LegacyCountedCore = new(StringComparer.Ordinal)
    {
        "pods", "services", "configmaps", "secrets", "persistentvolumeclaims", "replicationcontrollers", "resourcequotas",
    };

    /// <summary>The resources quota computes from container requests and limits; a quota naming one requires every container to set it.</summary>
    public static readonly IReadOnlySet<string> ComputeResources = new HashSet<string>(StringComparer.Ordinal)
    {
        "cpu", "memory", "requests.cpu", "requests.memory", "limits.cpu", "limits.memory",
    };

    /// <summary>The name an object of <paramref name="group"/>/<paramref name="plural"/> is counted under.</summary>
    public static string CountName(string group, string plural) => group.Length == 0 ? $"count/{plural}" : $"count/{plural}.{group}";

    public static Dictionary<string, ResourceQuantity> Of(string group, string plural, IKubernetesObject<V1ObjectMeta> obj)
    {
        var usage = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        if (obj is V1Pod pod && IsTerminal(pod))
        {
            return usage;
        }

        usage[CountName(group, plural)] = new ResourceQuantity("1");
        if (group.Length == 0 && LegacyCountedCore.Contains(plural))
        {
            usage[plural] = new ResourceQuantity("1");
        }

        switch (obj)
        {
            case V1Pod p:
                AddPodCompute(p, usage);
                break;
            case V1Service s:
                var nodePorts = s.Spec?.Type is "NodePort" or "LoadBalancer" ? s.Spec.Ports?.Count ?? 0 : 0;
                usage["services.nodeports"] = new ResourceQuantity(nodePorts.ToString(System.Globalization.CultureInfo.InvariantCulture));
                usage["services.loadbalancers"] = new ResourceQuantity(s.Spec?.Type == "LoadBalancer" ? "1" : "0");
                break;
        }

        return usage;
    }

    /// <summary>Whether a pod no longer counts: it succeeded or failed.</summary>
    public static bool IsTerminal(V1Pod pod) => pod.Status?.Phase is "Succeeded" or "Failed";

    /// <summary>Whether a pod matches a quota scope (Terminating, NotTerminating, BestEffort, NotBestEffort); other scopes match nothing here.</summary>
    public static bool MatchesScope(V1Pod pod, string scope) => scope switch
    {
        "Terminating" => pod.Spec?.ActiveDeadlineSeconds is not null,
        "NotTerminating" => pod.Spec?.ActiveDeadlineSeconds is null,
        "BestEffort" => PodQos.ClassOf(pod) == "BestEffort",
        "NotBestEffort" => PodQos.ClassOf(pod) != "BestEffort",
        _ => false,
    };

    /// <summary>
    /// The compute resources a quota requires that some container does not set, as upstream words it
    /// (<c>must specify limits.cpu for: c; requests.memory for: a,b</c>), or null when every container sets them.
    /// </summary>
    public static string? MissingCompute(V1Pod pod, IEnumerable<string> constrained)
    {
        var missing = new SortedDictionary<string, SortedSet<string>>(StringComparer.Ordinal);
        var required = constrained.Where(ComputeResources.Contains).ToList();
        var containers = (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? []);
        foreach (var c in containers)
        {
            foreach (var resource in required)
            {
                var isLimit = resource.StartsWith("limits.", StringComparison.Ordinal);
                var name = resource.Contains('.', StringComparison.Ordinal) ? resource[(resource.IndexOf('.', StringComparison.Ordinal) + 1)..] : resource;
                var list = isLimit ? c.Resources?.Limits : c.Resources?.Requests;

                // A limit without a request is the request too (the API's defaulting).
                var set = list?.ContainsKey(name) == true || (!isLimit && c.Resources?.Limits?.ContainsKey(name) == true);
                if (!set)
                {
                    if (!missing.TryGetValue(resource, out var names))
                    {
                        missing[resource] = names = new SortedSet<string>(StringComparer.Ordinal);
                    }

                    names.Add(c.Name ?? string.Empty);
                }
            }
        }

        return missing.Count == 0 ? null : "must specify " + string.Join("; ", missing.Select(m => $"{m.Key} for: {string.Join(",", m.Value)}"));
    }

    private static void AddPodCompute(V1Pod pod, Dictionary<string, ResourceQuantity> usage)
    {
        foreach (var (resource, prefix) in new[] { ("cpu", "requests."), ("memory", "requests."), ("ephemeral-storage", "requests.") })
        {
            var requests = PodTotal(pod, resource, limits: false);
            if (requests is { } r)
            {
                usage[prefix + resource] = r;
                if (resource is "cpu" or "memory" or "ephemeral-storage")
                {
                    usage[resource] = r;
                }
            }

            if (PodTotal(pod, resource, limits: true) is { } l)
            {
                usage["limits." + resource] = l;
            }
        }
    }

    /// <summary>A pod's request (or limit) of one resource: the larger of the containers' sum and any init container, plus overhead.</summary>
    private static ResourceQuantity? PodTotal(V1Pod pod, string resource, bool limits)
    {
        ResourceQuantity? like = null;
        decimal Amount(V1ResourceRequirements? r)
        {
            var list = limits ? r?.Limits : r?.Requests;
            if (list is null || !list.TryGetValue(resource, out var q))
            {
                // A limit without a request is the request too (the API's defaulting).
                if (!limits && r?.Limits is { } l && l.TryGetValue(resource, out var limit))
                {
                    like ??= limit;
                    return limit.ToDecimal();
                }

                return 0m;
            }

            like ??= q;
            return q.ToDecimal();
        }

        var sum = (pod.Spec?.Containers ?? []).Sum(c => Amount(c.Resources));
        var init = (pod.Spec?.InitContainers ?? []).Select(c => Amount(c.Resources)).DefaultIfEmpty(0m).Max();
        var total = Math.Max(sum, init);
        if (pod.Spec?.Overhead is { } overhead && overhead.TryGetValue(resource, out var o))
        {
            total += o.ToDecimal();
        }

        return like is null ? null : Quantities.Of(total, like);
    }
}
