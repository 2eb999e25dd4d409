using k8s;
using k8s.Models;
using Skiff.Apimachinery;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Admission.Plugins;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Tests.Admission;

/// <summary>NodeRestriction against fakes: a node writes only its own Node, Lease, pods' status and mirror pods,
/// with upstream's messages; other users pass untouched.</summary>
public sealed class NodeRestrictionTests
{
    private static readonly IReadOnlyList<ResourceDefinition> All = ResourceCatalog.CreateBuiltIn().All;
    private static readonly NodeRestrictionAdmission Plugin = new();
    private static readonly UserInfo N1 = new("system:node:n1", ["system:nodes"]);

    private sealed class Cluster(params IKubernetesObject<V1ObjectMeta>[] objects) : IClusterObjects
    {
        public IKubernetesObject<V1ObjectMeta>? Get(string group, string plural, string? ns, string name) =>
            objects.FirstOrDefault(o => o.Metadata.Name == name && (plural == "nodes" ? o is V1Node : o is V1Pod));

        public IReadOnlyList<IKubernetesObject<V1ObjectMeta>> List(string group, string plural) =>
            [.. objects.Where(o => plural == "nodes" ? o is V1Node : o is V1Pod)];
    }

    private static AdmissionAttributes Request(AdmissionOperation op, string plural, string name, IKubernetesObject<V1ObjectMeta>? obj, IKubernetesObject<V1ObjectMeta>? old = null,
        string subresource = "", string ns = "", string group = "", UserInfo? user = null) => new()
    {
        Operation = op,
        Resource = All.First(d => d.Group == group && d.Plural == plural),
        Subresource = subresource,
        Namespace = ns,
        Name = name,
        Object = obj,
        OldObject = old,
        User = user ?? N1,
        Cluster = new Cluster(new V1Node { Metadata = new V1ObjectMeta { Name = "n1", Uid = "uid-n1" } }),
    };

    private static string Refusal(AdmissionAttributes a) => Assert.Throws<ApiException>(() => Plugin.Admit(a)).Status.Message;

    private static V1Node Node(string name, params (string Key, string Value)[] labels) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, Labels = labels.ToDictionary(l => l.Key, l => l.Value) },
        Spec = new V1NodeSpec(),
    };

    private static V1Pod Pod(string node, bool mirror = true) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "static-web-" + node,
            NamespaceProperty = "default",
            Annotations = mirror ? new Dictionary<string, string> { ["kubernetes.io/config.mirror"] = "h" } : null,
            OwnerReferences = [new V1OwnerReference { ApiVersion = "v1", Kind = "Node", Name = node, Uid = "uid-" + node, Controller = true }],
        },
        Spec = new V1PodSpec { NodeName = node, Containers = [new V1Container { Name = "c", Image = "nginx" }] },
    };

    [Fact]
    public void A_node_changes_only_itself_and_not_its_taints_or_restricted_labels()
    {
        Plugin.Admit(Request(AdmissionOperation.Update, "nodes", "n1", Node("n1", ("kubernetes.io/hostname", "n1"), ("team", "a")), Node("n1"), "status"));
        Assert.Equal("nodes \"n2\" is forbidden: node \"n1\" is not allowed to modify node \"n2\"",
            Refusal(Request(AdmissionOperation.Update, "nodes", "n2", Node("n2"), Node("n2"))));
        Assert.Equal("nodes \"n1\" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/trusted, node-role.kubernetes.io/control-plane",
            Refusal(Request(AdmissionOperation.Update, "nodes", "n1",
                Node("n1", ("node-restriction.kubernetes.io/trusted", "yes"), ("node-role.kubernetes.io/control-plane", "")), Node("n1"))));
        Assert.Equal("nodes \"n1\" is forbidden: node \"n1\" is not allowed to set the following labels: node-restriction.kubernetes.io/trusted",
            Refusal(Request(AdmissionOperation.Create, "nodes", "", Node("n1", ("node-restriction.kubernetes.io/trusted", "yes")))));
        var tainted = Node("n1");
        tainted.Spec.Taints = [new V1Taint { Key = "k", Effect = "NoSchedule" }];
        Assert.Equal("nodes \"n1\" is forbidden: node \"n1\" is not allowed to modify taints",
            Refusal(Request(AdmissionOperation.Update, "nodes", "n1", Node("n1"), tainted)));
    }

    [Fact]
    public void A_node_creates_only_its_own_mirror_pods_and_deletes_and_updates_only_its_pods()
    {
        Plugin.Admit(Request(AdmissionOperation.Create, "pods", "", Pod("n1"), ns: "default"));
        Assert.Equal("pods \"static-web-n1\" is forbidden: pod does not have \"kubernetes.io/config.mirror\" annotation, node \"n1\" can only create mirror pods",
            Refusal(Request(AdmissionOperation.Create, "pods", "", Pod("n1", mirror: false), ns: "default")));
        Assert.Equal("pods \"static-web-n2\" is forbidden: node \"n1\" can only create pods with spec.nodeName set to itself",
            Refusal(Request(AdmissionOperation.Create, "pods", "", Pod("n2"), ns: "default")));
        var withSecret = Pod("n1");
        withSecret.Spec.Volumes = [new V1Volume { Name = "s", Secret = new V1SecretVolumeSource { SecretName = "db" } }];
        Assert.Equal("pods \"static-web-n1\" is forbidden: node \"n1\" can not create pods that reference secrets",
            Refusal(Request(AdmissionOperation.Create, "pods", "", withSecret, ns: "default")));

        Assert.Equal("pods \"x\" is forbidden: node \"n1\" can only update pod status for pods with spec.nodeName set to itself",
            Refusal(Request(AdmissionOperation.Update, "pods", "x", Pod("n2"), Pod("n2"), "status", "default")));
        Plugin.Admit(Request(AdmissionOperation.Update, "pods", "x", Pod("n1"), Pod("n1"), "status", "default"));
        Assert.Equal("pods \"x\" is forbidden: node \"n1\" can only delete pods with spec.nodeName set to itself",
            Refusal(Request(AdmissionOperation.Delete, "pods", "x", null, Pod("n2"), ns: "default")));
        Assert.Equal("pods \"x\" is forbidden: unexpected operation \"UPDATE\", node \"n1\" can only create and delete mirror pods",
            Refusal(Request(AdmissionOperation.Update, "pods", "x", Pod("n1"), Pod("n1"), ns: "default")));
    }

    [Fact]
    public void A_node_touches_only_its_own_lease()
    {
        var lease = new V1Lease { Metadata = new V1ObjectMeta { Name = "n2" } };
        Assert.Equal("leases.coordination.k8s.io \"n2\" is forbidden: can only access node lease with the same name as the requesting node",
            Refusal(Request(AdmissionOperation.Create, "leases", "", lease, ns: "kube-node-lease", group: "coordination.k8s.io")));
        Assert.Equal("leases.coordination.k8s.io \"n1\" is forbidden: can only access leases in the \"kube-node-lease\" system namespace",
            Refusal(Request(AdmissionOperation.Update, "leases", "n1", lease, lease, ns: "default", group: "coordination.k8s.io")));
    }

    [Fact]
    public void Other_users_pass()
    {
        var admin = new UserInfo("admin", ["system:masters"]);
        Plugin.Admit(Request(AdmissionOperation.Update, "nodes", "n2", Node("n2", ("node-restriction.kubernetes.io/x", "y")), Node("n2"), user: admin));
        Plugin.Admit(Request(AdmissionOperation.Create, "pods", "", Pod("n2", mirror: false), ns: "default", user: admin));
    }
}
