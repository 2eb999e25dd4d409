using k8s.Models;
using Skiff.Apimachinery.Strategies;

namespace Skiff.Apimachinery.Tests;

/// <summary>Nodes, namespaces, services, endpoints, config maps, secrets, service accounts, leases.</summary>
public sealed class ClusterKindsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 13, 10, 0, TimeSpan.Zero);
    private static readonly DateTime Created = Now.UtcDateTime.AddDays(-2).AddHours(-5);

    private static V1ObjectMeta Meta(string name, string? ns = "default") => new() { Name = name, NamespaceProperty = ns, CreationTimestamp = Created };

    private static V1Node Node(string ready, bool unschedulable = false, params string[] roleLabels) => new()
    {
        Metadata = new V1ObjectMeta
        {
            Name = "node-1", CreationTimestamp = Created,
            Labels = roleLabels.ToDictionary(l => l.Split('=')[0], l => l.Contains('=', StringComparison.Ordinal) ? l.Split('=')[1] : ""),
        },
        Spec = new V1NodeSpec { Unschedulable = unschedulable },
        Status = new V1NodeStatus
        {
            Conditions = ready == "none" ? [] : [new V1NodeCondition { Type = "Ready", Status = ready }],
            Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "10.0.0.5" }, new V1NodeAddress { Type = "Hostname", Address = "node-1" }],
            NodeInfo = new V1NodeSystemInfo { KubeletVersion = "v1.32.4", OsImage = "Debian GNU/Linux 12 (bookworm)", KernelVersion = "6.1.0", ContainerRuntimeVersion = "containerd://1.7.24" },
        },
    };

    [Theory]
    [InlineData("True", false, "Ready")]
    [InlineData("False", false, "NotReady")]
    [InlineData("Unknown", false, "NotReady")]
    [InlineData("none", false, "Unknown")]
    [InlineData("True", true, "Ready,SchedulingDisabled")]
    public void Node_status_cell(string ready, bool unschedulable, string expected) =>
        Assert.Equal(expected, new NodeStrategy().Cells(Node(ready, unschedulable), Now)[1]);

    [Fact]
    public void Node_row_roles_and_wide_cells()
    {
        var node = Node("True", false, "node-role.kubernetes.io/control-plane", "node-role.kubernetes.io/worker", "kubernetes.io/role=edge");
        Assert.Equal(["node-1", "Ready", "control-plane,edge,worker", "2d5h", "v1.32.4", "10.0.0.5", "<none>", "Debian GNU/Linux 12 (bookworm)", "6.1.0", "containerd://1.7.24"],
            new NodeStrategy().Cells(node, Now));
        Assert.Equal("<none>", new NodeStrategy().Cells(Node("True"), Now)[2]);
        Assert.Equal(["Name", "Status", "Roles", "Age", "Version", "Internal-IP", "External-IP", "OS-Image", "Kernel-Version", "Container-Runtime"],
            new NodeStrategy().Columns.Select(c => c.Name));
    }

    [Fact]
    public void Node_create_keeps_the_kubelets_status_and_checks_taints()
    {
        var node = Node("True");
        node.Spec.Taints = [new V1Taint { Key = "gpu", Effect = "Sometimes" }, new V1Taint { Key = "gpu", Effect = "Sometimes" }];
        var strategy = new NodeStrategy();
        strategy.PrepareForCreate(node, Now);
        Assert.Equal("v1.32.4", node.Status.NodeInfo.KubeletVersion);
        var errors = strategy.ValidateCreate(node).Select(e => e.ToString()).ToList();
        Assert.Contains("spec.taints[0].effect: Unsupported value: \"Sometimes\": supported values: \"NoSchedule\", \"PreferNoSchedule\", \"NoExecute\"", errors);
        Assert.Contains("spec.taints[1]: Duplicate value: \"gpu:Sometimes\"", errors);
        Assert.Equal("false", strategy.SelectableFields(node)["spec.unschedulable"]);
    }

    [Fact]
    public void Node_pod_cidr_is_set_once()
    {
        var strategy = new NodeStrategy();
        var old = Node("True");
        old.Spec.PodCIDR = "10.244.0.0/24";
        var update = Node("True");
        update.Spec.PodCIDR = "10.244.1.0/24";
        strategy.PrepareForUpdate(update, old, Now);
        Assert.Contains(strategy.ValidateUpdate(update, old), e => e.Field == "spec.podCIDR");
    }

    [Fact]
    public void Namespace_defaults_label_phase_and_finalizer()
    {
        var ns = new V1Namespace { Metadata = Meta("team-a", null) };
        var strategy = new NamespaceStrategy();
        strategy.PrepareForCreate(ns, Now);
        Assert.Equal("team-a", ns.Metadata.Labels["kubernetes.io/metadata.name"]);
        Assert.Equal("Active", ns.Status.Phase);
        Assert.Equal(["kubernetes"], ns.Spec.Finalizers);
        Assert.Empty(strategy.ValidateCreate(ns));
        Assert.Equal(["team-a", "Active", "2d5h"], strategy.Cells(ns, Now));
        Assert.Equal("Active", strategy.SelectableFields(ns)["status.phase"]);

        var update = new V1Namespace { Metadata = Meta("team-a", null), Spec = new V1NamespaceSpec { Finalizers = [] } };
        strategy.PrepareForUpdate(update, ns, Now);
        Assert.Equal(["kubernetes"], update.Spec.Finalizers);
        Assert.Equal("Active", update.Status.Phase);
    }

    [Fact]
    public void Namespace_names_are_labels()
    {
        var ns = new V1Namespace { Metadata = Meta("a.b", null) };
        var strategy = new NamespaceStrategy();
        strategy.PrepareForCreate(ns, Now);
        Assert.Contains(strategy.ValidateCreate(ns), e => e.Field == "metadata.name" && e.Detail.StartsWith("a lowercase RFC 1123 label", StringComparison.Ordinal));
    }

    private static V1Service Service(string? type = null, params V1ServicePort[] ports) => new()
    {
        Metadata = Meta("web"),
        Spec = new V1ServiceSpec { Type = type, Selector = new Dictionary<string, string> { ["app"] = "web", ["tier"] = "fe" }, Ports = ports },
    };

    [Fact]
    public void Service_defaults()
    {
        var service = Service(null, new V1ServicePort { Port = 80 });
        var strategy = new ServiceStrategy();
        strategy.PrepareForCreate(service, Now);
        var spec = service.Spec;
        Assert.Equal("ClusterIP", spec.Type);
        Assert.Equal("None", spec.SessionAffinity);
        Assert.Equal("TCP", spec.Ports[0].Protocol);
        Assert.Equal("80", spec.Ports[0].TargetPort.Value);
        Assert.Equal("Cluster", spec.InternalTrafficPolicy);
        Assert.Null(spec.ExternalTrafficPolicy);
        Assert.Equal("SingleStack", spec.IpFamilyPolicy);
        Assert.Equal(["IPv4"], spec.IpFamilies);
        Assert.True(ServiceStrategy.NeedsClusterIp(service));
        Assert.False(ServiceStrategy.NeedsNodePorts(service));
        Assert.Empty(strategy.ValidateCreate(service));
    }

    [Fact]
    public void Service_validation()
    {
        var strategy = new ServiceStrategy();
        var noPorts = Service();
        strategy.PrepareForCreate(noPorts, Now);
        Assert.Equal(["spec.ports: Required value"], strategy.ValidateCreate(noPorts).Select(e => e.ToString()));

        var bad = Service("Magic", new V1ServicePort { Port = 80 }, new V1ServicePort { Port = 70000, Name = "b" });
        strategy.PrepareForCreate(bad, Now);
        var errors = strategy.ValidateCreate(bad).Select(e => e.ToString()).ToList();
        Assert.Contains("spec.type: Unsupported value: \"Magic\": supported values: \"ClusterIP\", \"ExternalName\", \"LoadBalancer\", \"NodePort\"", errors);
        Assert.Contains("spec.ports[0].name: Required value", errors);
        Assert.Contains("spec.ports[1].port: Invalid value: 70000: must be between 1 and 65535, inclusive", errors);
    }

    [Fact]
    public void Service_cluster_ip_is_kept_and_immutable()
    {
        var strategy = new ServiceStrategy();
        var old = Service(null, new V1ServicePort { Port = 80 });
        strategy.PrepareForCreate(old, Now);
        old.Spec.ClusterIP = "10.96.0.10";
        old.Spec.ClusterIPs = ["10.96.0.10"];

        var withoutIp = Service(null, new V1ServicePort { Port = 80 });
        strategy.PrepareForUpdate(withoutIp, old, Now);
        Assert.Equal("10.96.0.10", withoutIp.Spec.ClusterIP);
        Assert.Empty(strategy.ValidateUpdate(withoutIp, old));

        var changed = Service(null, new V1ServicePort { Port = 80 });
        changed.Spec.ClusterIP = "10.96.0.11";
        strategy.PrepareForUpdate(changed, old, Now);
        Assert.Contains(strategy.ValidateUpdate(changed, old), e => e.ToString() == "spec.clusterIPs[0]: Invalid value: \"10.96.0.11\": may not change once set");
    }

    [Fact]
    public void Service_row()
    {
        var service = Service("NodePort", new V1ServicePort { Port = 80, NodePort = 30080, Name = "http" }, new V1ServicePort { Port = 53, Protocol = "UDP", Name = "dns" });
        var strategy = new ServiceStrategy();
        strategy.PrepareForCreate(service, Now);
        service.Spec.ClusterIP = "10.96.0.10";
        service.Spec.ClusterIPs = ["10.96.0.10"];
        Assert.Equal(["web", "NodePort", "10.96.0.10", "<none>", "80:30080/TCP,53/UDP", "2d5h", "app=web,tier=fe"], strategy.Cells(service, Now));
        Assert.Equal("Cluster", service.Spec.ExternalTrafficPolicy);

        var lb = Service("LoadBalancer", new V1ServicePort { Port = 80 });
        Assert.Equal("<pending>", ServiceStrategy.ExternalIp(lb));
        var external = Service("ExternalName");
        external.Spec.ExternalName = "example.com";
        Assert.Equal("example.com", ServiceStrategy.ExternalIp(external));
    }

    [Fact]
    public void Endpoints_cell_shows_three_then_more()
    {
        var endpoints = new V1Endpoints
        {
            Metadata = Meta("web"),
            Subsets =
            [
                new V1EndpointSubset
                {
                    Addresses = Enumerable.Range(1, 5).Select(i => new V1EndpointAddress { Ip = $"10.244.0.{i}" }).ToList(),
                    Ports = [new Corev1EndpointPort { Port = 8080 }],
                },
            ],
        };
        Assert.Equal("10.244.0.1:8080,10.244.0.2:8080,10.244.0.3:8080 + 2 more...", new EndpointsStrategy().Cells(endpoints, Now)[1]);
        Assert.Equal("<none>", new EndpointsStrategy().Cells(new V1Endpoints { Metadata = Meta("x") }, Now)[1]);
        endpoints.Subsets[0].Addresses[0].Ip = "not-an-ip";
        Assert.Contains(new EndpointsStrategy().ValidateCreate(endpoints), e => e.Field == "subsets[0].addresses[0].ip");
    }

    [Fact]
    public void Config_map_keys_size_and_immutability()
    {
        var strategy = new ConfigMapStrategy();
        var map = new V1ConfigMap { Metadata = Meta("cfg"), Data = new Dictionary<string, string> { ["ok.key"] = "1", ["bad key"] = "2" }, BinaryData = new Dictionary<string, byte[]> { ["ok.key"] = [1] } };
        var errors = strategy.ValidateCreate(map).Select(e => e.ToString()).ToList();
        Assert.Contains("data[bad key]: Invalid value: \"bad key\": a valid config key must consist of alphanumeric characters, '-', '_' or '.' (e.g. 'key.name',  or 'KEY_NAME',  or 'key-name', regex used for validation is '[-._a-zA-Z0-9]+')", errors);
        Assert.Contains("data[ok.key]: Invalid value: \"ok.key\": duplicate of key present in binaryData", errors);
        Assert.Equal(["cfg", 3L, "2d5h"], strategy.Cells(map, Now));

        var frozen = new V1ConfigMap { Metadata = Meta("cfg"), Immutable = true, Data = new Dictionary<string, string> { ["a"] = "1" } };
        var changed = new V1ConfigMap { Metadata = Meta("cfg"), Immutable = true, Data = new Dictionary<string, string> { ["a"] = "2" } };
        strategy.PrepareForUpdate(changed, frozen, Now);
        Assert.Contains(strategy.ValidateUpdate(changed, frozen), e => e.ToString() == "data: Forbidden: field is immutable when `immutable` is set");
    }

    [Fact]
    public void Secret_defaults_string_data_and_type_rules()
    {
        var strategy = new SecretStrategy();
        var secret = new V1Secret { Metadata = Meta("s"), StringData = new Dictionary<string, string> { ["password"] = "hunter2" } };
        strategy.PrepareForCreate(secret, Now);
        Assert.Equal("Opaque", secret.Type);
        Assert.Null(secret.StringData);
        Assert.Equal("hunter2"u8.ToArray(), secret.Data["password"]);
        Assert.Equal(["s", "Opaque", 1L, "2d5h"], strategy.Cells(secret, Now));
        Assert.Equal("Opaque", strategy.SelectableFields(secret)["type"]);

        var tls = new V1Secret { Metadata = Meta("t"), Type = "kubernetes.io/tls", Data = new Dictionary<string, byte[]> { ["tls.crt"] = [1] } };
        Assert.Equal(["data[tls.key]: Required value"], strategy.ValidateCreate(tls).Select(e => e.ToString()));

        var retyped = new V1Secret { Metadata = Meta("s"), Type = "kubernetes.io/basic-auth", Data = secret.Data };
        strategy.PrepareForUpdate(retyped, secret, Now);
        Assert.Contains(strategy.ValidateUpdate(retyped, secret), e => e.ToString() == "type: Invalid value: \"kubernetes.io/basic-auth\": field is immutable");
    }

    [Fact]
    public void Service_account_and_lease_rows()
    {
        var account = new V1ServiceAccount { Metadata = Meta("default"), Secrets = [new V1ObjectReference { Name = "tok" }] };
        Assert.Equal(["default", 1L, "2d5h"], new ServiceAccountStrategy().Cells(account, Now));

        var lease = new V1Lease { Metadata = Meta("node-1", "kube-node-lease"), Spec = new V1LeaseSpec { HolderIdentity = "node-1", LeaseDurationSeconds = 0 } };
        Assert.Equal(["node-1", "node-1", "2d5h"], new LeaseStrategy().Cells(lease, Now));
        Assert.Equal(["spec.leaseDurationSeconds: Invalid value: 0: must be greater than 0"], new LeaseStrategy().ValidateCreate(lease).Select(e => e.ToString()));
    }
}
