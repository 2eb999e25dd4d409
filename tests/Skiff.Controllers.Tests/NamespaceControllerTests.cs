using System.Net;
using k8s;
using k8s.Models;
using Skiff.Client.Api;
using Skiff.Controllers.Namespaces;

namespace Skiff.Controllers.Tests;

public sealed class NamespaceControllerTests
{
    private static V1Namespace Namespace(string name, params string[] finalizers) => new()
    {
        Metadata = new V1ObjectMeta { Name = name },
        Spec = new V1NamespaceSpec { Finalizers = finalizers.Length == 0 ? ["kubernetes"] : [.. finalizers] },
        Status = new V1NamespaceStatus { Phase = "Active" },
    };

    private static V1ConfigMap ConfigMap(string ns, string name, params string[] finalizers) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, Finalizers = finalizers.Length == 0 ? null : [.. finalizers] },
    };

    private static V1Pod BoundPod(string ns, string name) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1PodSpec { NodeName = "node-a", TerminationGracePeriodSeconds = 30, Containers = [new V1Container { Name = "c", Image = "nginx" }] },
        Status = new V1PodStatus { Phase = "Running" },
    };

    private static V1NamespaceCondition Condition(V1Namespace ns, string type) => Assert.Single(ns.Status.Conditions, c => c.Type == type);

    [Fact]
    public async Task Deleting_a_namespace_deletes_every_discovered_resource_then_finalizes_it_away()
    {
        await using var h = new ControllerHarness();
        using var controller = new NamespaceController(h.Context);
        h.Api.Seed(Namespace("team"));
        h.Api.Seed(Namespace("other"));
        h.Api.Seed(ConfigMap("team", "settings"));
        h.Api.Seed(ConfigMap("other", "settings"));
        h.Api.Seed(new V1Secret { Metadata = new V1ObjectMeta { Name = "token", NamespaceProperty = "team" } });
        h.Api.Seed(new V1Deployment { Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "team" }, Spec = new V1DeploymentSpec() });
        h.Api.Seed(new Widget { Metadata = new V1ObjectMeta { Name = "w", NamespaceProperty = "team" } });
        h.Api.Seed(new V1Node { Metadata = new V1ObjectMeta { Name = "node-a" } });
        await h.StartAsync();

        await h.Api.DeleteAsync<V1Namespace>(null, "team", null, h.Token);
        Assert.Equal("Terminating", h.Api.Peek<V1Namespace>(null, "team")!.Status.Phase);
        await controller.SyncAsync("team", h.Token);

        Assert.Null(h.Api.Peek<V1Namespace>(null, "team"));
        Assert.Empty(h.Api.All<V1Secret>());
        Assert.Empty(h.Api.All<V1Deployment>());
        Assert.Empty(h.Api.All<Widget>()); // known to the controller only through discovery
        Assert.Equal("other", Assert.Single(h.Api.All<V1ConfigMap>()).Metadata.NamespaceProperty);
        Assert.NotNull(h.Api.Peek<V1Node>(null, "node-a")); // cluster-scoped: not the namespace's content
        Assert.Contains(h.Api.Calls, c => c is { Verb: "deletecollection", Resource: "configmaps", Namespace: "team" });
        Assert.Contains(h.Api.Calls, c => c is { Verb: "update", Resource: "namespaces", Subresource: "finalize" });
        Assert.Equal(0, h.Api.Calls.Count(c => c.Verb == "deletecollection" && c.Namespace != "team"));
    }

    [Fact]
    public async Task Pods_go_first_and_the_namespace_waits_for_them_to_stop_gracefully()
    {
        await using var h = new ControllerHarness();
        using var controller = new NamespaceController(h.Context);
        h.Api.Seed(Namespace("team"));
        h.Api.Seed(BoundPod("team", "web-1"));
        h.Api.Seed(ConfigMap("team", "settings"));
        await h.StartAsync();
        await h.Api.DeleteAsync<V1Namespace>(null, "team", null, h.Token);
        await h.CaughtUpAsync<V1Pod>();

        await controller.SyncAsync("team", h.Token);

        var pod = h.Api.Peek<V1Pod>("team", "web-1");
        Assert.NotNull(pod?.Metadata.DeletionTimestamp); // terminating gracefully, as a kubelet will finish
        Assert.NotNull(h.Api.Peek<V1ConfigMap>("team", "settings")); // what pods use stays while they run
        var ns = h.Api.Peek<V1Namespace>(null, "team")!;
        Assert.Equal(["kubernetes"], ns.Spec.Finalizers);
        var remaining = Condition(ns, NamespaceConditions.ContentRemaining);
        Assert.Equal(("True", "SomeResourcesRemain", "Some resources are remaining: pods. has 1 resource instances"), (remaining.Status, remaining.Reason, remaining.Message));
        Assert.Equal("False", Condition(ns, NamespaceConditions.ContentFailure).Status);
        Assert.Equal("ResourcesDiscovered", Condition(ns, NamespaceConditions.DiscoveryFailure).Reason);

        // The kubelet stopped the pod: the pod's deletion brings the namespace back, and it goes.
        await h.CaughtUpAsync<V1Namespace>();
        await Task.Delay(200);
        while (controller.Queue.Count > 0)
        {
            var (queued, _) = await controller.Queue.GetAsync(h.Token);
            controller.Queue.Done(queued);
        }

        await h.Api.DeleteAsync<V1Pod>("team", "web-1", new V1DeleteOptions { GracePeriodSeconds = 0 }, h.Token);
        var (key, ok) = await controller.Queue.GetAsync(h.Token).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(ok);
        Assert.Equal("team", key);
        controller.Queue.Done(key);
        await h.CaughtUpAsync<V1Pod>();
        await controller.SyncAsync("team", h.Token);
        Assert.Null(h.Api.Peek<V1ConfigMap>("team", "settings"));
        Assert.Null(h.Api.Peek<V1Namespace>(null, "team"));
    }

    [Fact]
    public async Task Content_held_by_finalizers_keeps_the_namespace_with_the_finalizers_named()
    {
        await using var h = new ControllerHarness();
        using var controller = new NamespaceController(h.Context);
        h.Api.Seed(Namespace("team"));
        h.Api.Seed(ConfigMap("team", "held", "example.com/hold"));
        await h.StartAsync();
        await h.Api.DeleteAsync<V1Namespace>(null, "team", null, h.Token);

        await controller.SyncAsync("team", h.Token);

        Assert.NotNull(h.Api.Peek<V1ConfigMap>("team", "held")!.Metadata.DeletionTimestamp);
        var ns = h.Api.Peek<V1Namespace>(null, "team")!;
        Assert.Equal(["kubernetes"], ns.Spec.Finalizers);
        Assert.Equal("Some resources are remaining: configmaps. has 1 resource instances", Condition(ns, NamespaceConditions.ContentRemaining).Message);
        var finalizers = Condition(ns, NamespaceConditions.FinalizersRemaining);
        Assert.Equal(("True", "SomeFinalizersRemain", "Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances"),
            (finalizers.Status, finalizers.Reason, finalizers.Message));

        // The finalizer's owner lets go: the next pass finishes, and the conditions had said why it waited.
        await h.Api.PatchAsync<V1ConfigMap>("team", "held", new ApiPatch(ApiPatchType.Merge, """{"metadata":{"finalizers":null}}"""), h.Token);
        await controller.SyncAsync("team", h.Token);
        Assert.Null(h.Api.Peek<V1Namespace>(null, "team"));
    }

    [Fact]
    public async Task Failed_discovery_and_failed_deletes_are_reported_in_conditions_and_retried()
    {
        await using var h = new ControllerHarness();
        using var controller = new NamespaceController(h.Context);
        h.Api.Seed(Namespace("team"));
        h.Api.Seed(ConfigMap("team", "settings"));
        h.Api.Seed(new V1Secret { Metadata = new V1ObjectMeta { Name = "token", NamespaceProperty = "team" } });
        h.Api.Serve(new ApiResource("metrics.k8s.io", "v1beta1", "pods", "PodMetrics", true), "get", "list");
        h.Api.BreakDiscovery("metrics.k8s.io/v1beta1", "the server is currently unable to handle the request");
        h.Api.FailNext("deletecollection", "secrets", new ApiException(HttpStatusCode.InternalServerError, new V1Status { Code = 500, Reason = "InternalError" }, "etcdserver: request timed out"));
        await h.StartAsync();
        await h.Api.DeleteAsync<V1Namespace>(null, "team", null, h.Token);

        var error = await Assert.ThrowsAsync<NamespaceDeletionException>(() => controller.SyncAsync("team", h.Token));
        Assert.Contains("unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1: the server is currently unable to handle the request", error.Message, StringComparison.Ordinal);

        Assert.Null(h.Api.Peek<V1ConfigMap>("team", "settings")); // what could be deleted was
        var ns = h.Api.Peek<V1Namespace>(null, "team")!;
        Assert.Equal(["kubernetes"], ns.Spec.Finalizers);
        var discovery = Condition(ns, NamespaceConditions.DiscoveryFailure);
        Assert.Equal(("True", "DiscoveryFailed"), (discovery.Status, discovery.Reason));
        Assert.StartsWith("Discovery failed for some groups, 1 failing: unable to retrieve the complete list of server APIs: metrics.k8s.io/v1beta1:", discovery.Message, StringComparison.Ordinal);
        var content = Condition(ns, NamespaceConditions.ContentFailure);
        Assert.Equal(("True", "ContentDeletionFailed", "Failed to delete all resource types, 1 remaining: etcdserver: request timed out"), (content.Status, content.Reason, content.Message));

        // Discovery works again: the next pass deletes the rest, flips the conditions back and finalizes.
        h.Api.RepairDiscovery("metrics.k8s.io/v1beta1");
        await controller.SyncAsync("team", h.Token);
        Assert.Null(h.Api.Peek<V1Secret>("team", "token"));
        Assert.Null(h.Api.Peek<V1Namespace>(null, "team"));
    }

    [Fact]
    public async Task Other_finalizers_of_the_namespace_are_kept_and_hold_it()
    {
        await using var h = new ControllerHarness();
        using var controller = new NamespaceController(h.Context);
        h.Api.Seed(Namespace("team", "example.com/audit", "kubernetes"));
        await h.StartAsync();
        await h.Api.DeleteAsync<V1Namespace>(null, "team", null, h.Token);

        await controller.SyncAsync("team", h.Token);

        var ns = h.Api.Peek<V1Namespace>(null, "team")!;
        Assert.Equal(["example.com/audit"], ns.Spec.Finalizers);
        Assert.Equal("Terminating", ns.Status.Phase);
        await controller.SyncAsync("team", h.Token); // finalized by us: nothing more to do
        Assert.NotNull(h.Api.Peek<V1Namespace>(null, "team"));
    }

    [Fact]
    public async Task Only_namespaces_being_deleted_are_queued()
    {
        await using var h = new ControllerHarness();
        using var controller = new NamespaceController(h.Context);
        h.Api.Seed(Namespace("active"));
        h.Api.Seed(Namespace("team"));
        await h.StartAsync();
        Assert.Equal(0, controller.Queue.Count);

        await h.Api.DeleteAsync<V1Namespace>(null, "team", null, h.Token);
        var (key, ok) = await controller.Queue.GetAsync(h.Token).WaitAsync(TimeSpan.FromSeconds(10));
        Assert.True(ok);
        Assert.Equal("team", key);
        controller.Queue.Done(key);
        await controller.SyncAsync("active", h.Token);
        Assert.NotNull(h.Api.Peek<V1Namespace>(null, "active"));
        Assert.DoesNotContain(h.Api.Calls, c => c.Verb == "get" && c.Resource == "discovery");
    }

    /// <summary>A kind the controller has no model of in its code: it finds it through discovery, as a CRD's.</summary>
    [KubernetesEntity(Group = "example.com", ApiVersion = "v1", Kind = "Widget", PluralName = "widgets")]
    private sealed class Widget : IKubernetesObject<V1ObjectMeta>
    {
        public string ApiVersion { get; set; } = "example.com/v1";

        public string Kind { get; set; } = "Widget";

        public V1ObjectMeta Metadata { get; set; } = new();
    }
}
