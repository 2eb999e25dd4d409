using k8s.Models;
using Skiff.Api.Selection;
using Skiff.Networking.Proxy;

namespace Skiff.Networking.NetworkPolicy;

/// <summary>
/// <see cref="PolicyRules.AddTo"/> for a node's every sync, rendering again only the policies a change concerns: a
/// policy that is a new object since the last call (created or edited), or one that a pod which changed (labels,
/// address, phase, named ports; old and new state) may target or pick as a peer. A change of namespace labels
/// renders all. Unchanged policies give back the same rule lists as before, so that the proxy's diff of its table
/// skips them at once and its transaction rewrites only the changed policies' chains and the pod chains and map
/// elements that moved. The result is always the one <see cref="PolicyRules.AddTo"/> gives for the same objects.
/// Not thread-safe: the proxy calls it from its one sync loop.
/// </summary>
public sealed class IncrementalPolicyRules(string nodeName)
{
    private Dictionary<string, (V1NetworkPolicy Policy, PolicyRender Render)> _renders = new(StringComparer.Ordinal);
    private Dictionary<string, PolicyPod> _pods = new(StringComparer.Ordinal);
    private Dictionary<string, IDictionary<string, string>> _namespaceLabels = new(StringComparer.Ordinal);

    /// <summary>Policies rendered by the last call (the others were reused).</summary>
    public int LastRendered { get; private set; }

    public void AddTo(NftRuleset rules, IEnumerable<V1NetworkPolicy> policies, IEnumerable<V1Pod> pods, IEnumerable<V1Namespace> namespaces)
    {
        ArgumentNullException.ThrowIfNull(rules);
        ArgumentNullException.ThrowIfNull(policies);
        ArgumentNullException.ThrowIfNull(pods);
        ArgumentNullException.ThrowIfNull(namespaces);
        var podList = pods as IReadOnlyCollection<V1Pod> ?? [.. pods];
        var namespaceList = namespaces as IReadOnlyCollection<V1Namespace> ?? [.. namespaces];
        var world = new PolicyWorld(podList, namespaceList);
        var all = NamespacesChanged(namespaceList);
        var changedPods = ChangedPods(podList);

        LastRendered = 0;
        var renders = new Dictionary<string, (V1NetworkPolicy, PolicyRender)>(StringComparer.Ordinal);
        var ordered = new List<PolicyRender>();
        foreach (var policy in PolicyRules.Ordered(policies))
        {
            var key = (policy.Metadata?.NamespaceProperty ?? "default") + "/" + policy.Metadata?.Name;
            if (all || !_renders.TryGetValue(key, out var kept) || !ReferenceEquals(kept.Policy, policy)
                || changedPods.Any(p => PolicyRules.Concerns(policy, p, world)))
            {
                kept = (policy, PolicyRules.Render(policy, world, nodeName));
                LastRendered++;
            }

            renders[key] = kept;
            ordered.Add(kept.Render);
        }

        _renders = renders;
        PolicyRules.AddSkeleton(rules);
        PolicyRules.Assemble(rules, ordered);
    }

    /// <summary>True when any namespace's labels differ from the last call's (or one came or went).</summary>
    private bool NamespacesChanged(IReadOnlyCollection<V1Namespace> namespaces)
    {
        var now = new Dictionary<string, IDictionary<string, string>>(StringComparer.Ordinal);
        foreach (var ns in namespaces)
        {
            if (ns.Metadata?.Name is { } name)
            {
                now[name] = ns.Metadata.Labels ?? new Dictionary<string, string>();
            }
        }

        var changed = now.Count != _namespaceLabels.Count
            || now.Any(n => !_namespaceLabels.TryGetValue(n.Key, out var before) || !LabelSets.Equal(before, n.Value));
        _namespaceLabels = now;
        return changed;
    }

    /// <summary>The policed pods whose policy-relevant state changed since the last call, old and new states.</summary>
    private List<PolicyPod> ChangedPods(IReadOnlyCollection<V1Pod> pods)
    {
        var now = new Dictionary<string, PolicyPod>(StringComparer.Ordinal);
        var changed = new List<PolicyPod>();
        foreach (var pod in pods)
        {
            if (PolicyPod.From(pod) is not { } policed)
            {
                continue;
            }

            var key = policed.Namespace + "/" + policed.Name;
            now[key] = policed;
            if (!_pods.TryGetValue(key, out var before))
            {
                changed.Add(policed);
            }
            else if (!Same(before, policed))
            {
                changed.Add(before);
                changed.Add(policed);
            }
        }

        changed.AddRange(_pods.Where(p => !now.ContainsKey(p.Key)).Select(p => p.Value));
        _pods = now;
        return changed;
    }

    private static bool Same(PolicyPod a, PolicyPod b) =>
        a.Ip == b.Ip && a.NodeName == b.NodeName && LabelSets.Equal(a.Labels, b.Labels)
        && a.Ports.Select(p => (p.Name, p.Protocol, p.ContainerPort)).SequenceEqual(b.Ports.Select(p => (p.Name, p.Protocol, p.ContainerPort)));
}
