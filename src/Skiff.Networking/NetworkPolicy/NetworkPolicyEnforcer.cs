using k8s.Models;
using Skiff.Client;
using Skiff.Client.Informers;
using Skiff.Networking.Proxy;

namespace Skiff.Networking.NetworkPolicy;

/// <summary>
/// kube-router's network policy controller on one node, as chains of the node's service proxy table: NetworkPolicies,
/// Pods and Namespaces come from the shared informers; any change that can alter the rules asks the proxy for a
/// sync (at most one per second, one atomic transaction); the rules are computed by <see cref="PolicyRules"/>, for
/// the policies a change concerns only (<see cref="IncrementalPolicyRules"/>).
/// </summary>
public sealed class NetworkPolicyEnforcer : IProxyTableContributor
{
    private readonly IncrementalPolicyRules _rules;
    private readonly SharedInformer<V1NetworkPolicy> _policies;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly SharedInformer<V1Namespace> _namespaces;

    public NetworkPolicyEnforcer(string nodeName, ComponentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _rules = new IncrementalPolicyRules(nodeName);
        _policies = context.Informers.Get<V1NetworkPolicy>();
        _pods = context.Informers.Get<V1Pod>();
        _namespaces = context.Informers.Get<V1Namespace>();
    }

    public async Task<IDisposable> StartAsync(Action changed, CancellationToken cancellationToken)
    {
        var registrations = new Registrations
        {
            _policies.AddEventHandler(ResourceEventHandler<V1NetworkPolicy>.ForAny(_ => changed())),
            _namespaces.AddEventHandler(new ResourceEventHandler<V1Namespace>
            {
                Added = (_, _) => changed(),
                Updated = (old, now) => Changed(old.Metadata?.Labels, now.Metadata?.Labels, changed),
                Deleted = (_, _) => changed(),
            }),
            _pods.AddEventHandler(new ResourceEventHandler<V1Pod>
            {
                Added = (_, _) => changed(),
                // Status updates (conditions, restarts) are most pod updates and change no rule.
                Updated = (old, now) => Changed(Fingerprint(old), Fingerprint(now), changed),
                Deleted = (_, _) => changed(),
            }),
        };
        try
        {
            await Task.WhenAll(registrations.Select(r => r.WaitForSyncAsync(cancellationToken)));
        }
        catch
        {
            registrations.Dispose();
            throw;
        }

        return registrations;
    }

    /// <summary>Renders again only the policies the changes since the last sync concern (see <see cref="IncrementalPolicyRules"/>).</summary>
    public void AddTo(NftRuleset rules) =>
        _rules.AddTo(rules, _policies.Cache.List(), _pods.Cache.List(), _namespaces.Cache.List());

    private static void Changed(IDictionary<string, string>? old, IDictionary<string, string>? now, Action changed)
    {
        if (!(old ?? new Dictionary<string, string>()).OrderBy(l => l.Key, StringComparer.Ordinal)
                .SequenceEqual((now ?? new Dictionary<string, string>()).OrderBy(l => l.Key, StringComparer.Ordinal)))
        {
            changed();
        }
    }

    private static void Changed(string old, string now, Action changed)
    {
        if (old != now)
        {
            changed();
        }
    }

    /// <summary>What of a pod the rules depend on.</summary>
    private static string Fingerprint(V1Pod pod) =>
        string.Join(
            '|',
            pod.Spec?.NodeName,
            pod.Spec?.HostNetwork,
            pod.Status?.PodIP,
            pod.Status?.Phase,
            string.Join(',', (pod.Metadata?.Labels ?? new Dictionary<string, string>()).OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value}")),
            string.Join(',', (pod.Spec?.Containers ?? []).SelectMany(c => c.Ports ?? []).Select(p => $"{p.Name}/{p.Protocol}/{p.ContainerPort}")));

    private sealed class Registrations : List<IHandlerRegistration>, IDisposable
    {
        public void Dispose() => ForEach(r => r.Dispose());
    }
}
