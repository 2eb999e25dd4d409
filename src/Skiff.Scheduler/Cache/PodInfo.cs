using k8s.Models;
using Skiff.Client.Cache;

namespace Skiff.Scheduler.Cache;

/// <summary>
/// A pod with what the plugins need read once: its requests (upstream's rule: the sum of containers, at least
/// the largest init container, plus overhead), the non-zero requests used by scoring, its host ports and its
/// affinity terms.
/// </summary>
public sealed class PodInfo
{
    /// <summary>Upstream's defaults for scoring a container without requests (100m CPU, 200 MiB).</summary>
    public const long DefaultMilliCpuRequest = 100;
    public const long DefaultMemoryRequest = 200L * 1024 * 1024;

    public PodInfo(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        Pod = pod;
        Key = ObjectKeys.Of(pod);
        Requests = ComputeRequests(pod.Spec, nonZero: false);
        NonZeroRequests = ComputeRequests(pod.Spec, nonZero: true);
        HostPorts = (pod.Spec?.Containers ?? []).Concat(pod.Spec?.InitContainers ?? [])
            .SelectMany(c => c.Ports ?? [])
            .Where(p => p.HostPort is > 0)
            .Select(p => new HostPort(string.IsNullOrEmpty(p.HostIP) ? "0.0.0.0" : p.HostIP, p.Protocol ?? "TCP", p.HostPort!.Value))
            .ToArray();
        RequiredAffinity = pod.Spec?.Affinity?.PodAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.ToArray() ?? [];
        RequiredAntiAffinity = pod.Spec?.Affinity?.PodAntiAffinity?.RequiredDuringSchedulingIgnoredDuringExecution?.ToArray() ?? [];
        PreferredAffinity = pod.Spec?.Affinity?.PodAffinity?.PreferredDuringSchedulingIgnoredDuringExecution?.ToArray() ?? [];
        PreferredAntiAffinity = pod.Spec?.Affinity?.PodAntiAffinity?.PreferredDuringSchedulingIgnoredDuringExecution?.ToArray() ?? [];
        var ns = Namespace;
        RequiredAffinityTerms = RequiredAffinity.Count == 0 ? [] : RequiredAffinity.Select(t => new AffinityTerm(t, ns)).ToArray();
        RequiredAntiAffinityTerms = RequiredAntiAffinity.Count == 0 ? [] : RequiredAntiAffinity.Select(t => new AffinityTerm(t, ns)).ToArray();
        PreferredAffinityTerms = PreferredAffinity.Count == 0 ? [] : PreferredAffinity.Select(t => new AffinityTerm(t.PodAffinityTerm, ns, t.Weight)).ToArray();
        PreferredAntiAffinityTerms = PreferredAntiAffinity.Count == 0 ? [] : PreferredAntiAffinity.Select(t => new AffinityTerm(t.PodAffinityTerm, ns, t.Weight)).ToArray();
        HasNodeConstraints = pod.Spec?.NodeSelector is { Count: > 0 } || pod.Spec?.Affinity?.NodeAffinity?.RequiredDuringSchedulingIgnoredDuringExecution is not null;
    }

    public V1Pod Pod { get; }

    /// <summary><c>namespace/name</c>.</summary>
    public string Key { get; }

    public string Namespace => Pod.Metadata.NamespaceProperty ?? "default";

    public IDictionary<string, string>? Labels => Pod.Metadata.Labels;

    public int Priority => Pod.Spec?.Priority ?? 0;

    public Resources Requests { get; }

    public Resources NonZeroRequests { get; }

    public IReadOnlyList<HostPort> HostPorts { get; }

    public IReadOnlyList<V1PodAffinityTerm> RequiredAffinity { get; }

    public IReadOnlyList<V1PodAffinityTerm> RequiredAntiAffinity { get; }

    public IReadOnlyList<V1WeightedPodAffinityTerm> PreferredAffinity { get; }

    public IReadOnlyList<V1WeightedPodAffinityTerm> PreferredAntiAffinity { get; }

    /// <summary>The same terms compiled for matching (namespaces and selector read once).</summary>
    public AffinityTerm[] RequiredAffinityTerms { get; }

    public AffinityTerm[] RequiredAntiAffinityTerms { get; }

    public AffinityTerm[] PreferredAffinityTerms { get; }

    public AffinityTerm[] PreferredAntiAffinityTerms { get; }

    /// <summary>Whether the pod's terms weigh on where other pods go (scored for every incoming pod): preferred
    /// (anti-)affinity, and required affinity (upstream's hardPodAffinityWeight).</summary>
    public bool HasTermsScoringOthers => PreferredAffinity.Count + PreferredAntiAffinity.Count + RequiredAffinity.Count > 0;

    /// <summary>Whether a <c>nodeSelector</c> or required node affinity limits the nodes (else every node fits).</summary>
    public bool HasNodeConstraints { get; }

    public bool HasAffinityTerms => RequiredAffinity.Count + RequiredAntiAffinity.Count + PreferredAffinity.Count + PreferredAntiAffinity.Count > 0;

    private static Resources ComputeRequests(V1PodSpec? spec, bool nonZero)
    {
        var result = new Resources();
        if (spec is null)
        {
            return result;
        }

        foreach (var container in spec.Containers ?? [])
        {
            result.Add(Of(container, nonZero));
        }

        // Upstream's rule: init containers run one at a time (restartable ones, sidecars, keep running).
        var sidecars = new Resources();
        foreach (var init in spec.InitContainers ?? [])
        {
            var own = Of(init, nonZero);
            if (init.RestartPolicy == "Always")
            {
                sidecars.Add(own);
                result.Add(own);
            }
            else
            {
                var peak = new Resources();
                peak.Add(own);
                peak.Add(sidecars);
                result.MaxWith(peak);
            }
        }

        if (spec.Overhead is not null)
        {
            result.Add(Resources.From(spec.Overhead));
        }

        return result;
    }

    private static Resources Of(V1Container container, bool nonZero)
    {
        var requests = Resources.From(container.Resources?.Requests);
        if (nonZero)
        {
            if (!(container.Resources?.Requests?.ContainsKey("cpu") ?? false))
            {
                requests.MilliCpu = DefaultMilliCpuRequest;
            }

            if (!(container.Resources?.Requests?.ContainsKey("memory") ?? false))
            {
                requests.Memory = DefaultMemoryRequest;
            }
        }

        return requests;
    }
}

/// <summary>A host port a pod asks for; <c>0.0.0.0</c> conflicts with every IP.</summary>
public readonly record struct HostPort(string Ip, string Protocol, int Port)
{
    public bool ConflictsWith(HostPort other) =>
        Port == other.Port && Protocol == other.Protocol && (Ip == other.Ip || Ip == "0.0.0.0" || other.Ip == "0.0.0.0");
}
