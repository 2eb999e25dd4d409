using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Skiff.Api.Json;
using Skiff.Apimachinery;
using Skiff.Apimachinery.Patching;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Tests;

/// <summary>The managedFields of a create, written from the object's bytes (<see cref="CreatedFields"/>), must be
/// byte for byte what the whole computation on JSON trees writes: same paths, same FieldsV1 key order (clients diff
/// it), same entry.</summary>
public sealed class CreatedFieldsTests
{
    private static readonly ResourceCatalog Catalog = ResourceCatalog.CreateBuiltIn();
    private static readonly DateTimeOffset Now = new(2026, 12, 6, 21, 30, 15, 678, TimeSpan.Zero);

    public static TheoryData<string, string, string, string> Objects() => new()
    {
        {
            // Containers, ports and env are list-maps (ports keyed by containerPort and protocol; env names repeat,
            // which the API allows), finalizers a set of primitives, ownerReferences keyed by uid, tolerations and
            // args atomic lists, an empty securityContext a member, an empty list-map nothing, a struct of nulls
            // nothing; label and annotation keys that JSON escapes.
            "", "v1", "pods", """
            {"apiVersion":"v1","kind":"Pod",
             "metadata":{"name":"web","namespace":"default","uid":"u1","resourceVersion":"9","creationTimestamp":"2026-12-06T21:00:00Z",
               "labels":{"app":"web","tier":"front","example.com/a+b":"<x>","zz":"é"},
               "annotations":{"note":"\"quoted\" & <tagged>","kubectl.kubernetes.io/last-applied-configuration":"{}"},
               "finalizers":["example.com/keep","example.com/second"],
               "ownerReferences":[{"apiVersion":"apps/v1","kind":"ReplicaSet","name":"web-1","uid":"rs-uid","controller":true,"blockOwnerDeletion":true}]},
             "spec":{
               "initContainers":[{"name":"init","image":"busybox","command":["sh","-c","true"]}],
               "containers":[
                 {"name":"web","image":"nginx","args":["-g","daemon off;"],
                  "ports":[{"containerPort":80,"protocol":"TCP","name":"http"},{"containerPort":80,"protocol":"UDP"},{"containerPort":443}],
                  "env":[{"name":"A","value":"1"},{"name":"B","valueFrom":{"fieldRef":{"fieldPath":"status.podIP"}}},{"name":"A","value":"2"}],
                  "resources":{"requests":{"cpu":"100m","memory":"64Mi"},"limits":{"memory":"128Mi"}},
                  "volumeMounts":[{"name":"data","mountPath":"/data"}],
                  "securityContext":{},
                  "readinessProbe":{"httpGet":{"path":"/","port":80},"periodSeconds":5}},
                 {"name":"sidecar","image":"busybox","ports":[]}],
               "volumes":[{"name":"data","emptyDir":{}},{"name":"cfg","configMap":{"name":"cfg","items":[{"key":"a","path":"a"}]}}],
               "nodeSelector":{"disk":"ssd"},
               "tolerations":[{"key":"k","operator":"Exists","effect":"NoSchedule"}],
               "affinity":{"podAntiAffinity":{"requiredDuringSchedulingIgnoredDuringExecution":[{"labelSelector":{"matchLabels":{"app":"web"}},"topologyKey":"kubernetes.io/hostname"}]}},
               "topologySpreadConstraints":[{"maxSkew":1,"topologyKey":"topology.kubernetes.io/zone","whenUnsatisfiable":"DoNotSchedule","labelSelector":{"matchLabels":{"app":"web"}}}],
               "hostAliases":[{"ip":"10.0.0.1","hostnames":["a","b"]}],
               "dnsConfig":{"options":[{"name":"ndots","value":"2"}]},
               "restartPolicy":"Always","terminationGracePeriodSeconds":30},
             "status":{"phase":"Pending","conditions":[{"type":"PodScheduled","status":"False"}]}}
            """
        },
        {
            // The selector is an atomic struct: owned whole, its fields not listed.
            "apps", "v1", "deployments", """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","labels":{"app":"web"}},
             "spec":{"replicas":3,"selector":{"matchLabels":{"app":"web"},"matchExpressions":[{"key":"tier","operator":"In","values":["front"]}]},
               "strategy":{"type":"RollingUpdate","rollingUpdate":{"maxSurge":"25%","maxUnavailable":1}},
               "revisionHistoryLimit":10,
               "template":{"metadata":{"labels":{"app":"web","tier":"front"}},"spec":{"containers":[{"name":"web","image":"nginx","ports":[{"containerPort":80}]}]}}}}
            """
        },
        {
            // Service ports are keyed by port and protocol; status is never owned through the main resource.
            "", "v1", "services", """
            {"apiVersion":"v1","kind":"Service","metadata":{"name":"web","namespace":"default"},
             "spec":{"type":"NodePort","selector":{"app":"web"},"clusterIP":"10.43.0.20","clusterIPs":["10.43.0.20"],"ipFamilies":["IPv4"],
               "ports":[{"name":"http","port":80,"protocol":"TCP","targetPort":"http","nodePort":30080},{"name":"dns","port":53,"protocol":"UDP","targetPort":53}],
               "sessionAffinity":"ClientIP","sessionAffinityConfig":{"clientIP":{"timeoutSeconds":10800}}},
             "status":{"loadBalancer":{}}}
            """
        },
        {
            // Enough keys for the tree's index (more than eight children), given out of order.
            "", "v1", "configmaps", """
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"default"},
             "data":{"k09":"9","k01":"1","k10":"10","K02":"2","k03":"3","k-4":"4","k05":"5","k06":"6","k07":"7","k08":"8","a.b":"x","_u":"y"},
             "binaryData":{"bin":"AAEC"},"immutable":false}
            """
        },
        {
            // A node's taints are a list-map keyed by key and effect; addresses by type.
            "", "v1", "nodes", """
            {"apiVersion":"v1","kind":"Node","metadata":{"name":"n1","labels":{"kubernetes.io/hostname":"n1"}},
             "spec":{"podCIDR":"10.42.1.0/24","podCIDRs":["10.42.1.0/24"],"taints":[{"key":"a","effect":"NoSchedule"},{"key":"a","value":"v","effect":"NoExecute"}],"unschedulable":true},
             "status":{"capacity":{"cpu":"2"}}}
            """
        },
        {
            // Nothing but identity and status: no entry at all.
            "", "v1", "namespaces", """
            {"apiVersion":"v1","kind":"Namespace","metadata":{"name":"empty","uid":"u2","creationTimestamp":"2026-12-06T21:00:00Z"},"status":{"phase":"Active"}}
            """
        },
        {
            "coordination.k8s.io", "v1", "leases", """
            {"apiVersion":"coordination.k8s.io/v1","kind":"Lease","metadata":{"name":"n1","namespace":"kube-node-lease"},
             "spec":{"holderIdentity":"n1","leaseDurationSeconds":40,"renewTime":"2026-12-06T21:30:15.123456Z"}}
            """
        },
    };

    [Theory]
    [MemberData(nameof(Objects))]
    public void A_create_records_what_the_whole_computation_records(string group, string version, string resource, string json)
    {
        var def = Catalog.Find(group, version, resource)!;
        var created = Decode(def, json);
        var expected = WholeComputation(def, Decode(def, json), "kubectl-create");

        var recorded = FieldOwnership.RecordUpdate(def, null, created, "kubectl-create", string.Empty, Now);

        var recordedEntries = recorded.Metadata.ManagedFields is { } entries ? Text(entries) : null;
        Assert.Equal(expected, recordedEntries);
    }

    [Fact]
    public void The_entry_owns_every_set_field_in_upstreams_order()
    {
        var def = Catalog.Find("apps", "v1", "deployments")!;
        var created = Decode(def, """
            {"apiVersion":"apps/v1","kind":"Deployment","metadata":{"name":"web","namespace":"default","labels":{"b":"1","a":"2"}},
             "spec":{"selector":{"matchLabels":{"app":"web"}},"template":{"spec":{"containers":[{"name":"web","image":"nginx","ports":[{"containerPort":80,"protocol":"TCP"}]}]}}}}
            """);

        var entry = FieldOwnership.RecordUpdate(def, null, created, "kubectl-create", string.Empty, Now).Metadata.ManagedFields!.Single();

        Assert.Equal(("kubectl-create", "Update", "apps/v1", "FieldsV1", null), (entry.Manager, entry.Operation, entry.ApiVersion, entry.FieldsType, entry.Subresource));
        Assert.Equal(new DateTime(2026, 12, 6, 21, 30, 15, DateTimeKind.Utc), entry.Time);
        Assert.Equal(
            Normalized("""{"f:metadata":{"f:labels":{".":{},"f:a":{},"f:b":{}}},"f:spec":{"f:selector":{},"f:template":{"f:spec":{"f:containers":{"k:{\"name\":\"web\"}":{".":{},"f:image":{},"f:name":{},"f:ports":{"k:{\"containerPort\":80,\"protocol\":\"TCP\"}":{".":{},"f:containerPort":{},"f:protocol":{}}}}}}}}}"""),
            Normalized(Encoding.UTF8.GetString(ModelJson.Serialize(entry.FieldsV1))));
    }

    [Fact]
    public void A_create_with_entries_from_the_client_keeps_taking_the_whole_computation()
    {
        var def = Catalog.Find("", "v1", "configmaps")!;
        const string json = """
            {"apiVersion":"v1","kind":"ConfigMap","metadata":{"name":"cfg","namespace":"default",
              "managedFields":[{"manager":"mine","operation":"Apply","apiVersion":"v1","time":"2026-12-06T20:00:00Z","fieldsType":"FieldsV1","fieldsV1":{"f:data":{"f:a":{}}}}]},
             "data":{"a":"1","b":"2"}}
            """;
        var expected = WholeComputation(def, Decode(def, json), "kubectl-create");

        var recorded = FieldOwnership.RecordUpdate(def, null, Decode(def, json), "kubectl-create", string.Empty, Now);

        Assert.Equal(expected, Text(recorded.Metadata.ManagedFields!));
        // The creator takes every field it sets, so the client's entry is left owning nothing and is dropped.
        Assert.Equal(["kubectl-create"], recorded.Metadata.ManagedFields!.Select(e => e.Manager));
    }

    // ManagedFields on JSON trees, as FieldOwnership computed every create before CreatedFields: the entries as the
    // registry stores them (serialized from the typed list), or null when there are none.
    private static string? WholeComputation(ResourceDefinition def, IKubernetesObject<V1ObjectMeta> obj, string manager)
    {
        var json = FieldOwnership.ToJson(obj);
        var entries = ManagedFields.ResolveIncoming(null, json)
            ? ManagedFields.RecordUpdateEntries(null, json, manager, def.ApiVersion, Now, def.ModelType, string.Empty)
            : null;
        return entries?.Deserialize<List<V1ManagedFieldsEntry>>(ModelJson.Options) is { } typed ? Text(typed) : null;
    }

    // The same JSON written one way (key order kept), so that a literal compares with what the server wrote.
    private static string Normalized(string json) => JsonNode.Parse(json)!.ToJsonString();

    private static IKubernetesObject<V1ObjectMeta> Decode(ResourceDefinition def, string json) => ModelJson.Deserialize(Encoding.UTF8.GetBytes(json), def.ModelType);

    private static string Text(object value) => Encoding.UTF8.GetString(ModelJson.Serialize(value));
}
