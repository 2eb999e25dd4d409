namespace Skiff.Networking.NetworkPolicy;

/// <summary>What one NetworkPolicy adds to a node's table: the addresses of its target pods on the node and its
/// ingress and egress chains (name and rules; null for a direction it does not police). The rule lists are shared
/// with the rulesets they are put into and never changed.</summary>
internal sealed record PolicyRender(IReadOnlyList<string> Targets, (string Chain, List<string> Rules)? Ingress, (string Chain, List<string> Rules)? Egress)
{
    public static PolicyRender Nothing { get; } = new([], null, null);
}
