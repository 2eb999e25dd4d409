using System.Globalization;
using k8s.Models;

namespace Skiff.Bench.Proxy;

/// <summary>
/// NetworkPolicies for the bench: <c>pods</c> pods on the bench node in one namespace (labels <c>app=app-(i % policies)</c>,
/// <c>role=r-(i % 10)</c>; addresses in 10.210.0.0/16, rules only) and <c>policies</c> policies, each selecting one app:
/// ingress from one role on a numbered and a named port plus an ipBlock with an except, egress to port 53.
/// </summary>
internal sealed class SyntheticPolicies
{
    public SyntheticPolicies(int pods, int policies)
    {
        Namespaces = [new V1Namespace { Metadata = new V1ObjectMeta { Name = "bench", Labels = new Dictionary<string, string> { ["kubernetes.io/metadata.name"] = "bench" } } }];
        Pods = [.. Enumerable.Range(0, pods).Select(i => new V1Pod
        {
            Metadata = new V1ObjectMeta
            {
                Name = "pod-" + Num(i),
                NamespaceProperty = "bench",
                Labels = new Dictionary<string, string> { ["app"] = "app-" + Num(i % Math.Max(1, policies)), ["role"] = "r-" + Num(i % 10) },
            },
            Spec = new V1PodSpec { NodeName = "bench-node", Containers = [new V1Container { Name = "c", Ports = [new V1ContainerPort { Name = "http", ContainerPort = 8080 }] }] },
            Status = new V1PodStatus { Phase = "Running", PodIP = $"10.210.{Num(i / 250)}.{Num(i % 250 + 1)}" },
        })];
        Policies = [.. Enumerable.Range(0, policies).Select(i => Policy(i, 80))];
    }

    public List<V1Namespace> Namespaces { get; }

    public List<V1Pod> Pods { get; }

    public List<V1NetworkPolicy> Policies { get; }

    /// <summary>One policy edited (its numbered port), as a user's change.</summary>
    public void ChangePolicy(int index, int port) => Policies[index % Policies.Count] = Policy(index % Policies.Count, port);

    private static V1NetworkPolicy Policy(int i, int port) => new()
    {
        Metadata = new V1ObjectMeta { Name = "policy-" + Num(i), NamespaceProperty = "bench" },
        Spec = new V1NetworkPolicySpec
        {
            PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "app-" + Num(i) } },
            PolicyTypes = ["Ingress", "Egress"],
            Ingress =
            [
                new V1NetworkPolicyIngressRule
                {
                    FromProperty = [new V1NetworkPolicyPeer { PodSelector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["role"] = "r-" + Num(i % 10) } } }],
                    Ports = [new V1NetworkPolicyPort { Port = port }, new V1NetworkPolicyPort { Port = "http" }],
                },
                new V1NetworkPolicyIngressRule { FromProperty = [new V1NetworkPolicyPeer { IpBlock = new V1IPBlock { Cidr = "192.168.0.0/16", Except = ["192.168.1.0/24"] } }] },
            ],
            Egress = [new V1NetworkPolicyEgressRule { Ports = [new V1NetworkPolicyPort { Protocol = "UDP", Port = 53 }] }],
        },
    };

    private static string Num(int value) => value.ToString(CultureInfo.InvariantCulture);
}
