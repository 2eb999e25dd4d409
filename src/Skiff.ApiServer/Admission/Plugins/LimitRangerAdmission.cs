using System.Globalization;
using k8s.Models;

namespace Skiff.ApiServer.Admission.Plugins;

/// <summary>
/// Upstream's LimitRanger on pod creates: the namespace's LimitRanges of type Container give containers their
/// default limits and requests (recorded in the <c>kubernetes.io/limit-ranger</c> annotation), then every Container
/// item's min, max and maxLimitRequestRatio is checked per container and every Pod item's on the pod's totals; a
/// violation is a 403 with upstream's words (<c>maximum cpu usage per Container is 1, but limit is 2</c>), several
/// as Go's aggregate <c>[a, b]</c>. A request missing where a limit is given counts as the limit, as the API's
/// defaulting (which upstream runs before admission) makes it.
/// </summary>
public sealed class LimitRangerAdmission : IAdmissionPlugin
{
    public const string Annotation = "kubernetes.io/limit-ranger";

    public string Name => "LimitRanger";

    public void Admit(AdmissionAttributes a)
    {
        if (!Applies(a, out var pod))
        {
            return;
        }

        var notes = new List<string>();
        foreach (var item in Items(a, "Container"))
        {
            foreach (var c in pod.Spec.InitContainers ?? [])
            {
                ApplyDefaults(c, item, "init container", notes);
            }

            foreach (var c in pod.Spec.Containers ?? [])
            {
                ApplyDefaults(c, item, "container", notes);
            }
        }

        if (notes.Count > 0)
        {
            pod.Metadata.Annotations ??= new Dictionary<string, string>();
            pod.Metadata.Annotations[Annotation] = "LimitRanger plugin set: " + string.Join("; ", notes);
        }
    }

    public void Validate(AdmissionAttributes a)
    {
        if (!Applies(a, out var pod))
        {
            return;
        }

        var errors = new List<string>();
        foreach (var item in Items(a, "Container"))
        {
            foreach (var c in (pod.Spec.Containers ?? []).Concat(pod.Spec.InitContainers ?? []))
            {
                Check("Container", item, EffectiveRequests(c.Resources), c.Resources?.Limits ?? new Dictionary<string, ResourceQuantity>(), errors);
            }
        }

        foreach (var item in Items(a, "Pod"))
        {
            Check("Pod", item, PodTotals(pod, limits: false), PodTotals(pod, limits: true), errors);
        }

        var distinct = errors.Distinct(StringComparer.Ordinal).ToList();
        if (distinct.Count > 0)
        {
            throw AdmissionErrors.Forbidden(a, distinct.Count == 1 ? distinct[0] : "[" + string.Join(", ", distinct) + "]");
        }
    }

    private static bool Applies(AdmissionAttributes a, out V1Pod pod)
    {
        pod = null!;
        if (a.Operation != AdmissionOperation.Create || !a.IsPod || a.Subresource.Length > 0 || a.Object is not V1Pod p || a.Namespace.Length == 0)
        {
            return false;
        }

        pod = p;
        pod.Spec ??= new V1PodSpec();
        pod.Metadata ??= new V1ObjectMeta();
        return true;
    }

    private static IEnumerable<V1LimitRangeItem> Items(AdmissionAttributes a, string type) =>
        a.Cluster.List(string.Empty, "limitranges", a.Namespace)
            .OfType<V1LimitRange>()
            .OrderBy(l => l.Metadata?.Name, StringComparer.Ordinal)
            .SelectMany(l => l.Spec?.Limits ?? [])
            .Where(i => i.Type == type);

    private static void ApplyDefaults(V1Container c, V1LimitRangeItem item, string fieldName, List<string> notes)
    {
        var resources = c.Resources ??= new V1ResourceRequirements();
        var userLimits = resources.Limits?.Keys.ToHashSet(StringComparer.Ordinal) ?? [];
        var setLimits = new List<string>();
        var setRequests = new List<string>();
        foreach (var (name, value) in item.DefaultProperty ?? new Dictionary<string, ResourceQuantity>())
        {
            resources.Limits ??= new Dictionary<string, ResourceQuantity>();
            if (resources.Limits.TryAdd(name, value))
            {
                setLimits.Add(name);
            }
        }

        foreach (var (name, value) in item.DefaultRequest ?? new Dictionary<string, ResourceQuantity>())
        {
            // A limit the user gave is also the request (defaulting upstream runs before admission).
            if (userLimits.Contains(name))
            {
                continue;
            }

            resources.Requests ??= new Dictionary<string, ResourceQuantity>();
            if (resources.Requests.TryAdd(name, value))
            {
                setRequests.Add(name);
            }
        }

        if (setRequests.Count > 0)
        {
            setRequests.Sort(StringComparer.Ordinal);
            notes.Add($"{string.Join(", ", setRequests)} request for {fieldName} {c.Name}");
        }

        if (setLimits.Count > 0)
        {
            setLimits.Sort(StringComparer.Ordinal);
            notes.Add($"{string.Join(", ", setLimits)} limit for {fieldName} {c.Name}");
        }
    }

    private static Dictionary<string, ResourceQuantity> EffectiveRequests(V1ResourceRequirements? r)
    {
        var requests = new Dictionary<string, ResourceQuantity>(r?.Requests ?? new Dictionary<string, ResourceQuantity>(), StringComparer.Ordinal);
        foreach (var (name, value) in r?.Limits ?? new Dictionary<string, ResourceQuantity>())
        {
            requests.TryAdd(name, value);
        }

        return requests;
    }

    /// <summary>The pod's requests or limits: the containers' sums, at least any init container's, plus overhead.</summary>
    private static Dictionary<string, ResourceQuantity> PodTotals(V1Pod pod, bool limits)
    {
        IDictionary<string, ResourceQuantity> Of(V1Container c) =>
            limits ? c.Resources?.Limits ?? new Dictionary<string, ResourceQuantity>() : EffectiveRequests(c.Resources);
        var sums = new Dictionary<string, ResourceQuantity>(StringComparer.Ordinal);
        foreach (var c in pod.Spec.Containers ?? [])
        {
            sums = Skiff.Api.Quota.Quantities.Add(sums, Of(c));
        }

        foreach (var c in pod.Spec.InitContainers ?? [])
        {
            foreach (var (name, value) in Of(c))
            {
                if (!sums.TryGetValue(name, out var current) || value.ToDecimal() > current.ToDecimal())
                {
                    sums[name] = value;
                }
            }
        }

        return pod.Spec.Overhead is { Count: > 0 } overhead ? Skiff.Api.Quota.Quantities.Add(sums, overhead) : sums;
    }

    private static void Check(
        string type, V1LimitRangeItem item, IDictionary<string, ResourceQuantity> requests, IDictionary<string, ResourceQuantity> limits, List<string> errors)
    {
        foreach (var (name, min) in Sorted(item.Min))
        {
            var hasRequest = requests.TryGetValue(name, out var request);
            var hasLimit = limits.TryGetValue(name, out var limit);
            if (!hasRequest)
            {
                errors.Add($"minimum {name} usage per {type} is {min}.  No request is specified");
            }
            else if (request!.ToDecimal() < min.ToDecimal())
            {
                errors.Add($"minimum {name} usage per {type} is {min}, but request is {request}");
            }
            else if (hasLimit && limit!.ToDecimal() < min.ToDecimal())
            {
                errors.Add($"minimum {name} usage per {type} is {min}, but limit is {limit}");
            }
        }

        foreach (var (name, max) in Sorted(item.Max))
        {
            var hasRequest = requests.TryGetValue(name, out var request);
            var hasLimit = limits.TryGetValue(name, out var limit);
            if (!hasLimit)
            {
                errors.Add($"maximum {name} usage per {type} is {max}.  No limit is specified");
            }
            else if (limit!.ToDecimal() > max.ToDecimal())
            {
                errors.Add($"maximum {name} usage per {type} is {max}, but limit is {limit}");
            }
            else if (hasRequest && request!.ToDecimal() > max.ToDecimal())
            {
                errors.Add($"maximum {name} usage per {type} is {max}, but request is {request}");
            }
        }

        foreach (var (name, ratio) in Sorted(item.MaxLimitRequestRatio))
        {
            var request = requests.TryGetValue(name, out var r) ? r.ToDecimal() : 0m;
            var limit = limits.TryGetValue(name, out var l) ? l.ToDecimal() : 0m;
            if (request == 0)
            {
                errors.Add($"{name} max limit to request ratio per {type} is {ratio}, but no request is specified or request is 0");
            }
            else if (limit == 0)
            {
                errors.Add($"{name} max limit to request ratio per {type} is {ratio}, but no limit is specified or limit is 0");
            }
            else if (limit / request > ratio.ToDecimal())
            {
                // Go's %f: six decimals.
                errors.Add($"{name} max limit to request ratio per {type} is {ratio}, but provided ratio is {(limit / request).ToString("F6", CultureInfo.InvariantCulture)}");
            }
        }
    }

    private static IEnumerable<KeyValuePair<string, ResourceQuantity>> Sorted(IDictionary<string, ResourceQuantity>? list) =>
        (list ?? new Dictionary<string, ResourceQuantity>()).OrderBy(kv => kv.Key, StringComparer.Ordinal);
}
