namespace Skiff.Hosting;

/// <summary>The user (client certificate CN) and groups (O) a component of <c>skiff server</c> talks to the API server
/// as: upstream's component users, each bound to its least-privilege ClusterRole by the bootstrap RBAC policy.</summary>
internal sealed record ComponentIdentity(string User, IReadOnlyList<string> Groups)
{
    /// <summary>Bound to <c>system:kube-scheduler</c>.</summary>
    public static ComponentIdentity Scheduler { get; } = new("system:kube-scheduler", []);

    /// <summary>Bound to <c>system:kube-controller-manager</c> and every <c>system:controller:*</c> role (one identity
    /// with the union of the controllers' rights, instead of upstream's per-controller service accounts).</summary>
    public static ComponentIdentity ControllerManager { get; } = new("system:kube-controller-manager", []);

    /// <summary>Bound to <c>system:coredns</c> (list and watch of Services, EndpointSlices...).</summary>
    public static ComponentIdentity ClusterDns { get; } = new(ApiServer.Authorization.Rbac.BootstrapPolicy.CoreDnsUser, []);

    /// <summary>A kubelet (and its node's service proxy and routes): the Node authorizer's user.</summary>
    public static ComponentIdentity Node(string name) => new("system:node:" + name, ["system:nodes"]);
}
