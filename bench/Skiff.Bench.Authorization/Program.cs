using System.Diagnostics;
using k8s.Models;
using Skiff.ApiServer.Authorization;
using Skiff.ApiServer.Authorization.Rbac;

// Usage: dotnet run -c Release --project bench/Skiff.Bench.Authorization [requests] [--no-api]
// 1. The authorizer's CPU cost per request with RBAC on (the bootstrap policy plus 100 ClusterRoles and 1,000
//    RoleBindings in 100 namespaces) versus off (AlwaysAllow), for allowed and denied requests of a non-admin user,
//    on one thread; plus the cost of rebuilding the index after an RBAC change. No server: the authorizer alone.
// 2. Unless --no-api: the real skiff server with --authorization-mode Node,RBAC and AlwaysAllow in turn, the same
//    policy loaded through the API, ConfigMap creates and gets by that non-admin user (see ApiLoad).
var requests = args.FirstOrDefault(a => !a.StartsWith("--", StringComparison.Ordinal)) is { } count
    ? int.Parse(count, System.Globalization.CultureInfo.InvariantCulture)
    : 2_000_000;
var objects = new Policy(100, 1_000);
// The server's chain: Node (no opinion for users who are not nodes), then RBAC.
var rbac = new AuthorizerChain([new Skiff.ApiServer.Authorization.Node.NodeAuthorizer(new NoPods()), new RbacAuthorizer(objects)]);
var off = new AuthorizerChain([new AlwaysAllowAuthorizer()]);
string[] groups = ["system:authenticated", "team-17"];
var allowed = new AuthorizationAttributes { User = "user-17", Groups = groups, Verb = "list", IsResourceRequest = true, Resource = "pods", Namespace = "ns-17" };
var denied = allowed with { Namespace = "ns-18", Verb = "delete", Name = "x" };

Console.WriteLine($"cores {Environment.ProcessorCount}, load average {File.ReadAllText("/proc/loadavg").Trim()}");
Console.WriteLine($"policy: {objects.ClusterRoles().Count} ClusterRoles, {objects.RoleBindings().Count} RoleBindings, {objects.ClusterRoleBindings().Count} ClusterRoleBindings");
var build = Stopwatch.StartNew();
_ = new PolicyIndex(objects);
Console.WriteLine($"index rebuild after an RBAC change: {build.Elapsed.TotalMilliseconds:F1} ms");
Measure("RBAC off (AlwaysAllow)", off, allowed, requests);
Measure("Node,RBAC, allowed", rbac, allowed, requests);
Measure("Node,RBAC, denied", rbac, denied, requests);
if (!args.Contains("--no-api"))
{
    Console.WriteLine("the API server, same run (32 clients, user-17 bound to edit in ns-17):");
    // Alternating rounds, medians per mode: on a shared 2-core machine one round alone says little.
    var rounds = 3;
    var withRbac = new List<ApiLoad.Figures>();
    var allowAll = new List<ApiLoad.Figures>();
    for (var round = 0; round < rounds; round++)
    {
        withRbac.Add(await ApiLoad.RunAsync("Node,RBAC", 5_000, 20_000));
        allowAll.Add(await ApiLoad.RunAsync("AlwaysAllow", 5_000, 20_000));
    }

    ApiLoad.Print(ApiLoad.Median(withRbac), ApiLoad.Median(allowAll));
}

return 0;

static void Measure(string label, AuthorizerChain chain, AuthorizationAttributes a, int n)
{
    for (var i = 0; i < 10_000; i++)
    {
        chain.Authorize(a);
    }

    var cpu = Process.GetCurrentProcess().TotalProcessorTime;
    var wall = Stopwatch.StartNew();
    var allows = 0;
    for (var i = 0; i < n; i++)
    {
        allows += chain.Authorize(a).Decision == Decision.Allow ? 1 : 0;
    }

    var used = Process.GetCurrentProcess().TotalProcessorTime - cpu;
    Console.WriteLine($"{label,-26} {used.TotalMicroseconds / n,8:F3} µs CPU/request  {wall.Elapsed.TotalMicroseconds / n,8:F3} µs wall/request  ({allows} of {n} allowed)");
}

/// <summary>No pods on any node (the benchmark's users are not nodes).</summary>
internal sealed class NoPods : Skiff.ApiServer.Authorization.Node.INodeGraph
{
    public IEnumerable<V1Pod> PodsOn(string node, string ns) => [];
}

/// <summary>The bootstrap policy plus <c>clusterRoles</c> extra ClusterRoles and <c>bindings</c> RoleBindings (10 per namespace).</summary>
internal sealed class Policy : IRbacObjects
{
    private readonly List<V1ClusterRole> _clusterRoles;
    private readonly List<V1RoleBinding> _bindings = [];

    public Policy(int clusterRoles, int bindings)
    {
        _clusterRoles = [.. BootstrapPolicy.ClusterRoles()];
        for (var i = 0; i < clusterRoles; i++)
        {
            _clusterRoles.Add(new V1ClusterRole
            {
                Metadata = new V1ObjectMeta { Name = $"role-{i}" },
                Rules =
                [
                    new V1PolicyRule { Verbs = ["get", "list", "watch"], ApiGroups = [""], Resources = ["pods", "services", "configmaps"] },
                    new V1PolicyRule { Verbs = ["create", "update"], ApiGroups = ["apps"], Resources = ["deployments", "replicasets"] },
                ],
            });
        }

        for (var i = 0; i < bindings; i++)
        {
            _bindings.Add(new V1RoleBinding
            {
                Metadata = new V1ObjectMeta { Name = $"binding-{i}", NamespaceProperty = $"ns-{i / 10}" },
                RoleRef = new V1RoleRef { ApiGroup = "rbac.authorization.k8s.io", Kind = "ClusterRole", Name = $"role-{i % clusterRoles}" },
                Subjects =
                [
                    new Rbacv1Subject { Kind = "User", ApiGroup = "rbac.authorization.k8s.io", Name = $"user-{i / 10}" },
                    new Rbacv1Subject { Kind = "Group", ApiGroup = "rbac.authorization.k8s.io", Name = $"team-{i % 100}" },
                ],
            });
        }
    }

    public long Version => 1;

    public IReadOnlyList<V1Role> Roles() => [];

    public IReadOnlyList<V1ClusterRole> ClusterRoles() => _clusterRoles;

    public IReadOnlyList<V1RoleBinding> RoleBindings() => _bindings;

    public IReadOnlyList<V1ClusterRoleBinding> ClusterRoleBindings() => BootstrapPolicy.ClusterRoleBindings();
}
