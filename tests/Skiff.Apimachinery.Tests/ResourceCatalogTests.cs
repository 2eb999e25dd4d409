using k8s.Models;

namespace Skiff.Apimachinery.Tests;

public sealed class ResourceCatalogTests
{
    private readonly ResourceCatalog _catalog = ResourceCatalog.CreateBuiltIn();

    [Theory]
    [InlineData("", "v1", "pods", "Pod", true, "/registry/pods/")]
    [InlineData("", "v1", "nodes", "Node", false, "/registry/minions/")]
    [InlineData("", "v1", "namespaces", "Namespace", false, "/registry/namespaces/")]
    [InlineData("", "v1", "services", "Service", true, "/registry/services/specs/")]
    [InlineData("", "v1", "endpoints", "Endpoints", true, "/registry/services/endpoints/")]
    [InlineData("", "v1", "events", "Event", true, "/registry/events/")]
    [InlineData("", "v1", "configmaps", "ConfigMap", true, "/registry/configmaps/")]
    [InlineData("", "v1", "secrets", "Secret", true, "/registry/secrets/")]
    [InlineData("", "v1", "serviceaccounts", "ServiceAccount", true, "/registry/serviceaccounts/")]
    [InlineData("", "v1", "replicationcontrollers", "ReplicationController", true, "/registry/controllers/")]
    [InlineData("apps", "v1", "deployments", "Deployment", true, "/registry/deployments/")]
    [InlineData("apps", "v1", "replicasets", "ReplicaSet", true, "/registry/replicasets/")]
    [InlineData("apps", "v1", "daemonsets", "DaemonSet", true, "/registry/daemonsets/")]
    [InlineData("batch", "v1", "jobs", "Job", true, "/registry/jobs/")]
    [InlineData("coordination.k8s.io", "v1", "leases", "Lease", true, "/registry/leases/")]
    [InlineData("events.k8s.io", "v1", "events", "Event", true, "/registry/events/")]
    [InlineData("scheduling.k8s.io", "v1", "priorityclasses", "PriorityClass", false, "/registry/priorityclasses/")]
    [InlineData("", "v1", "persistentvolumeclaims", "PersistentVolumeClaim", true, "/registry/persistentvolumeclaims/")]
    [InlineData("", "v1", "persistentvolumes", "PersistentVolume", false, "/registry/persistentvolumes/")]
    [InlineData("storage.k8s.io", "v1", "storageclasses", "StorageClass", false, "/registry/storageclasses/")]
    [InlineData("certificates.k8s.io", "v1", "certificatesigningrequests", "CertificateSigningRequest", false, "/registry/certificatesigningrequests/")]
    public void Every_resource_of_the_issue_is_served_where_kubernetes_stores_it(
        string group, string version, string plural, string kind, bool namespaced, string prefix)
    {
        var definition = _catalog.Find(group, version, plural);
        Assert.NotNull(definition);
        Assert.Equal(kind, definition.Kind);
        Assert.Equal(namespaced, definition.Namespaced);
        Assert.Equal(prefix, definition.StoragePrefix);
        Assert.Same(definition, _catalog.FindByKind(group, version, kind));
    }

    [Theory]
    [InlineData("po", "pods", "")]
    [InlineData("pod", "pods", "")]
    [InlineData("Pod", "pods", "")]
    [InlineData("no", "nodes", "")]
    [InlineData("ns", "namespaces", "")]
    [InlineData("svc", "services", "")]
    [InlineData("cm", "configmaps", "")]
    [InlineData("ep", "endpoints", "")]
    [InlineData("sa", "serviceaccounts", "")]
    [InlineData("ev", "events", "")]
    [InlineData("rc", "replicationcontrollers", "")]
    [InlineData("deploy", "deployments", "apps")]
    [InlineData("rs", "replicasets", "apps")]
    [InlineData("ds", "daemonsets", "apps")]
    [InlineData("jobs", "jobs", "batch")]
    [InlineData("leases", "leases", "coordination.k8s.io")]
    [InlineData("events.events.k8s.io", "events", "events.k8s.io")]
    [InlineData("deployments.apps", "deployments", "apps")]
    [InlineData("pc", "priorityclasses", "scheduling.k8s.io")]
    [InlineData("priorityclass", "priorityclasses", "scheduling.k8s.io")]
    [InlineData("pvc", "persistentvolumeclaims", "")]
    [InlineData("pv", "persistentvolumes", "")]
    [InlineData("sc", "storageclasses", "storage.k8s.io")]
    public void Names_users_type_resolve_like_kubectl(string typed, string plural, string group)
    {
        var definition = _catalog.Resolve(typed);
        Assert.NotNull(definition);
        Assert.Equal(plural, definition.Plural);
        Assert.Equal(group, definition.Group);
    }

    [Fact]
    public void Unknown_names_do_not_resolve()
    {
        Assert.Null(_catalog.Resolve("foo"));
        Assert.Null(_catalog.Find("", "v1", "deployments"));
        Assert.Null(_catalog.FindByApiVersionKind("apps/v2", "Deployment"));
    }

    [Fact]
    public void Category_all_is_what_kubectl_get_all_lists()
    {
        var all = _catalog.InCategory("all").Select(d => d.Plural).Order(StringComparer.Ordinal).ToList();
        Assert.Equal(["cronjobs", "daemonsets", "deployments", "jobs", "pods", "replicasets", "replicationcontrollers", "services", "statefulsets"], all);
    }

    [Fact]
    public void Group_versions_start_with_core()
    {
        Assert.Equal("v1", _catalog.GroupVersions[0].ApiVersion);
        Assert.Equal("api/v1", _catalog.GroupVersions[0].PathSegment);
        Assert.Contains(new GroupVersion("apps", "v1"), _catalog.GroupVersions);
        Assert.Equal(["apps", "events.k8s.io", "authentication.k8s.io", "authorization.k8s.io", "batch", "certificates.k8s.io", "networking.k8s.io", "policy", "rbac.authorization.k8s.io", "storage.k8s.io", "scheduling.k8s.io", "coordination.k8s.io", "discovery.k8s.io"], _catalog.Groups);
    }

    [Fact]
    public void Subresources_are_the_served_ones()
    {
        var pods = _catalog.Find("", "v1", "pods")!;
        Assert.Equal(["binding", "ephemeralcontainers", "eviction", "proxy", "status"], pods.Subresources.Select(s => s.Name));
        Assert.Contains(_catalog.Find("", "v1", "services")!.Subresources, s => s.Name == "proxy" && s.Kind == "ServiceProxyOptions");
        Assert.Contains(_catalog.Find("", "v1", "nodes")!.Subresources, s => s.Name == "proxy" && s.Kind == "NodeProxyOptions");
        var eviction = pods.Subresources.Single(s => s.Name == "eviction");
        Assert.Equal(("policy", "v1", "Eviction"), (eviction.Group, eviction.Version, eviction.Kind));
        var scale = _catalog.Find("apps", "v1", "deployments")!.Subresources.Single(s => s.Name == "scale");
        Assert.Equal(("autoscaling", "v1", "Scale"), (scale.Group, scale.Version, scale.Kind));
        Assert.Contains(_catalog.Find("apps", "v1", "replicasets")!.Subresources, s => s.Name == "scale");
        Assert.Contains(_catalog.Find("batch", "v1", "jobs")!.Subresources, s => s.Name == "status");
        Assert.Empty(_catalog.Find("", "v1", "configmaps")!.Subresources);
    }

    [Fact]
    public void Model_types_match_the_kind()
    {
        foreach (var definition in _catalog.All)
        {
            var instance = (k8s.IKubernetesObject)Activator.CreateInstance(definition.ModelType)!;
            Assert.EndsWith(definition.Kind, definition.ModelType.Name, StringComparison.Ordinal);
            // A review kind is never listed: it has no list type.
            Assert.EndsWith(definition.Stored ? definition.Kind + "List" : definition.Kind, definition.ListModelType.Name, StringComparison.Ordinal);
            Assert.NotNull(instance);
        }

        Assert.Equal(typeof(V1Pod), _catalog.Find("", "v1", "pods")!.ModelType);
    }

    [Fact]
    public void Events_k8s_io_is_stored_as_core_events()
    {
        var conversion = _catalog.Find("events.k8s.io", "v1", "events")!.StorageConversion;
        Assert.NotNull(conversion);
        Assert.Equal(typeof(Corev1Event), conversion.StorageModelType);
        var stored = (Corev1Event)conversion.ToStorage(new Eventsv1Event { Metadata = new V1ObjectMeta { Name = "e" }, Note = "hello" });
        Assert.Equal("hello", stored.Message);
        Assert.Equal("hello", ((Eventsv1Event)conversion.FromStorage(stored)).Note);
        Assert.Null(_catalog.Find("", "v1", "events")!.StorageConversion);
    }

    [Fact]
    public void Storage_keys_follow_kubernetes()
    {
        Assert.Equal("/registry/pods/default/web", _catalog.Find("", "v1", "pods")!.StorageKey("default", "web"));
        Assert.Equal("/registry/minions/node-1", _catalog.Find("", "v1", "nodes")!.StorageKey(null, "node-1"));
    }
}
