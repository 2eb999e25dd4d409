using k8s.Models;
using Skiff.Apimachinery.Strategies;

namespace Skiff.Apimachinery.Tests;

public sealed class ResourceStrategyTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 13, 0, 6, TimeSpan.Zero);

    private static V1ConfigMap ConfigMap(string? name = "web", string? ns = "default") =>
        new() { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns } };

    private static V1Deployment Deployment(int replicas = 1) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default", Uid = "u1", CreationTimestamp = Now.UtcDateTime },
        Spec = new V1DeploymentSpec
        {
            Replicas = replicas,
            Selector = new V1LabelSelector { MatchLabels = new Dictionary<string, string> { ["app"] = "web" } },
            Template = new V1PodTemplateSpec
            {
                Metadata = new V1ObjectMeta { Labels = new Dictionary<string, string> { ["app"] = "web" } },
                Spec = new V1PodSpec { Containers = [new V1Container { Name = "web", Image = "nginx" }] },
            },
        },
    };

    private static IEnumerable<string> Messages(IEnumerable<FieldError> errors) => errors.Select(e => e.ToString());

    [Fact]
    public void Valid_object_has_no_errors() => Assert.Empty(new ConfigMapStrategy().ValidateCreate(ConfigMap()));

    [Fact]
    public void Name_is_required_unless_generate_name()
    {
        Assert.Equal(["metadata.name: Required value: name or generateName is required"],
            Messages(new ConfigMapStrategy().ValidateCreate(ConfigMap(name: null))));
    }

    [Fact]
    public void Invalid_name_is_reported_with_the_value()
    {
        var error = Assert.Single(new ConfigMapStrategy().ValidateCreate(ConfigMap(name: "Web")));
        Assert.StartsWith("metadata.name: Invalid value: \"Web\": a lowercase RFC 1123 subdomain", error.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Namespaced_kind_needs_a_namespace_and_cluster_kind_refuses_one()
    {
        Assert.Equal(["metadata.namespace: Required value"], Messages(new ConfigMapStrategy().ValidateCreate(ConfigMap(ns: null))));
        var node = new V1Node { Metadata = new V1ObjectMeta { Name = "n1", NamespaceProperty = "default" } };
        Assert.Equal(["metadata.namespace: Forbidden: not allowed on this type"], Messages(new NodeStrategy().ValidateCreate(node)));
    }

    [Fact]
    public void Service_names_are_dns_1035_labels()
    {
        var service = new V1Service { Metadata = new V1ObjectMeta { Name = "1web", NamespaceProperty = "default" }, Spec = new V1ServiceSpec() };
        Assert.Contains(new ServiceStrategy().ValidateCreate(service), e => e.Field == "metadata.name" && e.Detail.StartsWith("a DNS-1035 label", StringComparison.Ordinal));
    }

    [Fact]
    public void Labels_and_annotations_are_checked()
    {
        var map = ConfigMap();
        map.Metadata.Labels = new Dictionary<string, string> { ["app"] = "-bad", ["a/b/c"] = "x" };
        map.Metadata.Annotations = new Dictionary<string, string> { ["big"] = new string('x', 300 * 1024) };
        var errors = new ConfigMapStrategy().ValidateCreate(map);
        Assert.Contains(errors, e => e.Field == "metadata.labels[app]" && e.Detail.StartsWith("a valid label must be", StringComparison.Ordinal));
        Assert.Contains(errors, e => e.Field == "metadata.labels" && (string?)e.BadValue == "a/b/c");
        Assert.Contains(errors, e => e.ToString() == "metadata.annotations: Too long: may not be more than 262144 bytes");
    }

    [Fact]
    public void Update_may_not_change_name_namespace_or_uid()
    {
        var old = ConfigMap();
        old.Metadata.Uid = "u1";
        var changed = ConfigMap(name: "other", ns: "kube-system");
        changed.Metadata.Uid = "u2";
        var strategy = new ConfigMapStrategy();
        strategy.PrepareForUpdate(changed, old, Now);
        var messages = Messages(strategy.ValidateUpdate(changed, old)).ToList();
        Assert.Contains("metadata.name: Invalid value: \"other\": field is immutable", messages);
        Assert.Contains("metadata.namespace: Invalid value: \"kube-system\": field is immutable", messages);
        Assert.Contains("metadata.uid: Invalid value: \"u2\": field is immutable", messages);
    }

    [Fact]
    public void Update_keeps_creation_timestamp_and_uid_when_missing()
    {
        var old = ConfigMap();
        old.Metadata.Uid = "u1";
        old.Metadata.CreationTimestamp = Now.UtcDateTime;
        var update = ConfigMap();
        new ConfigMapStrategy().PrepareForUpdate(update, old, Now.AddHours(1));
        Assert.Equal("u1", update.Metadata.Uid);
        Assert.Equal(Now.UtcDateTime, update.Metadata.CreationTimestamp);
    }

    [Fact]
    public void Generation_starts_at_one_and_grows_only_with_the_spec()
    {
        var strategy = new DeploymentStrategy();
        var created = Deployment();
        created.Metadata.Generation = 7;
        created.Status = new V1DeploymentStatus { Replicas = 9 };
        strategy.PrepareForCreate(created, Now);
        Assert.Equal(1, created.Metadata.Generation);
        Assert.Null(created.Status.Replicas);

        var relabelled = Deployment();
        relabelled.Metadata.Labels = new Dictionary<string, string> { ["x"] = "y" };
        strategy.PrepareForUpdate(relabelled, created, Now);
        Assert.Equal(1, relabelled.Metadata.Generation);

        var scaled = Deployment(replicas: 3);
        strategy.PrepareForUpdate(scaled, relabelled, Now);
        Assert.Equal(2, scaled.Metadata.Generation);
    }

    [Fact]
    public void Main_update_keeps_status_and_status_update_keeps_spec_and_metadata()
    {
        var strategy = new DeploymentStrategy();
        var stored = Deployment();
        strategy.PrepareForCreate(stored, Now);
        stored.Status = new V1DeploymentStatus { Replicas = 1, ObservedGeneration = 1 };

        var update = Deployment(replicas: 2);
        update.Status = new V1DeploymentStatus { Replicas = 99 };
        strategy.PrepareForUpdate(update, stored, Now);
        Assert.Equal(1, update.Status.Replicas);
        Assert.Equal(2, update.Spec.Replicas);

        var statusUpdate = Deployment(replicas: 5);
        statusUpdate.Metadata.Labels = new Dictionary<string, string> { ["sneaky"] = "yes" };
        statusUpdate.Status = new V1DeploymentStatus { Replicas = 2, ObservedGeneration = 2 };
        strategy.PrepareForStatusUpdate(statusUpdate, update, Now);
        Assert.Equal(2, statusUpdate.Spec.Replicas);
        Assert.Null(statusUpdate.Metadata.Labels);
        Assert.Equal(2, statusUpdate.Metadata.Generation);
        Assert.Equal(2, statusUpdate.Status.Replicas);
    }

    [Fact]
    public void Default_selectable_fields()
    {
        var fields = new ConfigMapStrategy().SelectableFields(ConfigMap());
        Assert.Equal("web", fields["metadata.name"]);
        Assert.Equal("default", fields["metadata.namespace"]);
        Assert.False(new NodeStrategy().SelectableFields(new V1Node { Metadata = new V1ObjectMeta { Name = "n" } }).ContainsKey("metadata.namespace"));
    }

    [Fact]
    public void Kinds_without_graceful_deletion_delete_at_once() =>
        Assert.Null(new ConfigMapStrategy().GracefulDeletionPeriod(ConfigMap(), 30));

    [Fact]
    public void Wrong_model_type_is_refused() =>
        Assert.Throws<ArgumentException>(() => new ConfigMapStrategy().ValidateCreate(new V1Pod()));
}
