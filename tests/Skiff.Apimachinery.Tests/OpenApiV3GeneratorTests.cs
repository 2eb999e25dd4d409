using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.Apimachinery.OpenApi;

namespace Skiff.Apimachinery.Tests;

/// <summary>The shapes kubectl relies on: the index, PATCH operations with fieldValidation and a GVK (create/apply -f),
/// and schemas with GVKs, refs and descriptions (explain).</summary>
public sealed class OpenApiV3GeneratorTests
{
    private static readonly Lazy<KubernetesClientDocs> Docs = new(() => KubernetesClientDocs.Load());
    private static readonly Lazy<OpenApiV3Documents> Generated = new(() => new OpenApiV3Generator(ResourceCatalog.CreateBuiltIn(), Docs.Value).Generate());

    private static JsonObject Document(string path) => JsonNode.Parse(Generated.Value.Find(path)!.Json)!.AsObject();

    [Fact]
    public void Index_lists_every_group_version_with_its_hash()
    {
        var index = JsonNode.Parse(Generated.Value.IndexJson)!["paths"]!.AsObject();
        Assert.Equal(["api/v1", "apis/apps/v1", "apis/authentication.k8s.io/v1", "apis/authorization.k8s.io/v1", "apis/batch/v1", "apis/certificates.k8s.io/v1", "apis/coordination.k8s.io/v1", "apis/discovery.k8s.io/v1", "apis/events.k8s.io/v1", "apis/networking.k8s.io/v1", "apis/policy/v1", "apis/rbac.authorization.k8s.io/v1", "apis/scheduling.k8s.io/v1", "apis/storage.k8s.io/v1"], index.Select(p => p.Key));
        var url = (string)index["apis/apps/v1"]!["serverRelativeURL"]!;
        Assert.Equal($"/openapi/v3/apis/apps/v1?hash={Generated.Value.Find("apis/apps/v1")!.Hash}", url);
        Assert.Matches("^[0-9A-F]{128}$", Generated.Value.Find("api/v1")!.Hash);
    }

    [Fact]
    public void Output_is_deterministic()
    {
        var again = new OpenApiV3Generator(ResourceCatalog.CreateBuiltIn(), Docs.Value).Generate();
        Assert.Equal(Generated.Value.IndexJson, again.IndexJson);
        Assert.Equal(Generated.Value.Find("api/v1")!.Json, again.Find("api/v1")!.Json);
    }

    [Theory]
    [InlineData("api/v1", "/api/v1/namespaces/{namespace}/pods/{name}", "", "Pod")]
    [InlineData("api/v1", "/api/v1/nodes/{name}", "", "Node")]
    [InlineData("api/v1", "/api/v1/namespaces/{name}", "", "Namespace")]
    [InlineData("api/v1", "/api/v1/namespaces/{namespace}/configmaps/{name}", "", "ConfigMap")]
    [InlineData("apis/apps/v1", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}", "apps", "Deployment")]
    [InlineData("apis/apps/v1", "/apis/apps/v1/namespaces/{namespace}/deployments/{name}/scale", "autoscaling", "Scale")]
    [InlineData("apis/batch/v1", "/apis/batch/v1/namespaces/{namespace}/jobs/{name}", "batch", "Job")]
    [InlineData("apis/coordination.k8s.io/v1", "/apis/coordination.k8s.io/v1/namespaces/{namespace}/leases/{name}", "coordination.k8s.io", "Lease")]
    [InlineData("apis/events.k8s.io/v1", "/apis/events.k8s.io/v1/namespaces/{namespace}/events/{name}", "events.k8s.io", "Event")]
    [InlineData("apis/scheduling.k8s.io/v1", "/apis/scheduling.k8s.io/v1/priorityclasses/{name}", "scheduling.k8s.io", "PriorityClass")]
    [InlineData("api/v1", "/api/v1/namespaces/{namespace}/persistentvolumeclaims/{name}", "", "PersistentVolumeClaim")]
    [InlineData("api/v1", "/api/v1/persistentvolumes/{name}", "", "PersistentVolume")]
    [InlineData("apis/storage.k8s.io/v1", "/apis/storage.k8s.io/v1/storageclasses/{name}", "storage.k8s.io", "StorageClass")]
    public void Patch_operation_carries_field_validation_and_gvk(string document, string path, string group, string kind)
    {
        var patch = Document(document)["paths"]![path]!["patch"]!;
        var gvk = patch["x-kubernetes-group-version-kind"]!;
        Assert.Equal((group, "v1", kind), ((string)gvk["group"]!, (string)gvk["version"]!, (string)gvk["kind"]!));
        Assert.Contains(patch["parameters"]!.AsArray(), p => (string)p!["name"]! == "fieldValidation" && (string)p["in"]! == "query");
        Assert.Equal("patch", (string)patch["x-kubernetes-action"]!);
        Assert.Contains("application/strategic-merge-patch+json", patch["requestBody"]!["content"]!.AsObject().Select(c => c.Key));
    }

    [Fact]
    public void Every_resource_has_its_operations()
    {
        var paths = Document("api/v1")["paths"]!.AsObject();
        var pods = paths["/api/v1/namespaces/{namespace}/pods"]!.AsObject();
        Assert.Equal(["delete", "get", "parameters", "post"], pods.Select(p => p.Key));
        Assert.Equal("listCoreV1NamespacedPod", (string)pods["get"]!["operationId"]!);
        Assert.NotNull(paths["/api/v1/pods"]!["get"]);
        Assert.NotNull(paths["/api/v1/namespaces/{namespace}/pods/{name}/status"]!["patch"]);
        Assert.Equal("createCoreV1NamespacedPodBinding", (string)paths["/api/v1/namespaces/{namespace}/pods/{name}/binding"]!["post"]!["operationId"]!);
        Assert.Null(paths["/api/v1/namespaces"]!["delete"]); // namespaces have no deletecollection
    }

    [Fact]
    public void Kinds_have_schemas_with_gvk_refs_and_required_fields()
    {
        var schemas = Document("api/v1")["components"]!["schemas"]!.AsObject();
        var pod = schemas["io.k8s.api.core.v1.Pod"]!;
        Assert.Equal("Pod", (string)pod["x-kubernetes-group-version-kind"]![0]!["kind"]!);
        Assert.Equal("", (string)pod["x-kubernetes-group-version-kind"]![0]!["group"]!);
        Assert.Equal("#/components/schemas/io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta", (string)pod["properties"]!["metadata"]!["allOf"]![0]!["$ref"]!);
        Assert.Equal("#/components/schemas/io.k8s.api.core.v1.PodSpec", (string)pod["properties"]!["spec"]!["allOf"]![0]!["$ref"]!);
        Assert.Equal(["containers"], schemas["io.k8s.api.core.v1.PodSpec"]!["required"]!.AsArray().Select(r => (string)r!));
        Assert.Equal("#/components/schemas/io.k8s.api.core.v1.Container", (string)schemas["io.k8s.api.core.v1.PodSpec"]!["properties"]!["containers"]!["items"]!["$ref"]!);
        Assert.Contains("containerPort", schemas["io.k8s.api.core.v1.ContainerPort"]!["required"]!.AsArray().Select(r => (string)r!));
        Assert.Equal("int-or-string", (string)schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]!["format"]!);
        Assert.Equal(["integer", "string"], schemas["io.k8s.apimachinery.pkg.util.intstr.IntOrString"]!["oneOf"]!.AsArray().Select(t => (string)t!["type"]!));
        Assert.Equal(["string", "number"], schemas["io.k8s.apimachinery.pkg.api.resource.Quantity"]!["oneOf"]!.AsArray().Select(t => (string)t!["type"]!));
        Assert.Equal("date-time", (string)schemas["io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta"]!["properties"]!["creationTimestamp"]!["format"]!);
        Assert.Equal("int64", (string)schemas["io.k8s.api.core.v1.PodSpec"]!["properties"]!["terminationGracePeriodSeconds"]!["format"]!);
        Assert.Equal("byte", (string)schemas["io.k8s.api.core.v1.Secret"]!["properties"]!["data"]!["additionalProperties"]!["format"]!);
        Assert.NotNull(schemas["io.k8s.api.core.v1.PodList"]!["x-kubernetes-group-version-kind"]);
        Assert.NotNull(schemas["io.k8s.api.core.v1.Event"]);
        Assert.NotNull(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.Patch"]);
    }

    [Fact]
    public void Every_reference_resolves_inside_its_document()
    {
        foreach (var (path, document) in Generated.Value.Documents)
        {
            var root = JsonNode.Parse(document.Json)!.AsObject();
            var schemas = root["components"]!["schemas"]!.AsObject();
            foreach (var reference in References(root))
            {
                Assert.True(schemas.ContainsKey(reference["#/components/schemas/".Length..]), $"{path}: {reference}");
            }
        }
    }

    [Fact]
    public void Apps_document_names_groups_like_upstream()
    {
        var schemas = Document("apis/apps/v1")["components"]!["schemas"]!.AsObject();
        Assert.NotNull(schemas["io.k8s.api.apps.v1.DeploymentSpec"]);
        Assert.NotNull(schemas["io.k8s.api.core.v1.PodTemplateSpec"]);
        Assert.NotNull(schemas["io.k8s.api.autoscaling.v1.Scale"]);
        Assert.NotNull(schemas["io.k8s.apimachinery.pkg.apis.meta.v1.LabelSelector"]);
        Assert.Equal("autoscaling", (string)schemas["io.k8s.api.autoscaling.v1.Scale"]!["x-kubernetes-group-version-kind"]![0]!["group"]!);
        Assert.Equal(["selector", "template"], schemas["io.k8s.api.apps.v1.DeploymentSpec"]!["required"]!.AsArray().Select(r => (string)r!));
    }

    [Theory]
    [InlineData(typeof(V1Pod), "io.k8s.api.core.v1.Pod")]
    [InlineData(typeof(V1ObjectMeta), "io.k8s.apimachinery.pkg.apis.meta.v1.ObjectMeta")]
    [InlineData(typeof(V1Deployment), "io.k8s.api.apps.v1.Deployment")]
    [InlineData(typeof(V1RollingUpdateDeployment), "io.k8s.api.apps.v1.RollingUpdateDeployment")]
    [InlineData(typeof(V1Job), "io.k8s.api.batch.v1.Job")]
    [InlineData(typeof(V1Lease), "io.k8s.api.coordination.v1.Lease")]
    [InlineData(typeof(V1Scale), "io.k8s.api.autoscaling.v1.Scale")]
    [InlineData(typeof(V1ScaleIOVolumeSource), "io.k8s.api.core.v1.ScaleIOVolumeSource")]
    [InlineData(typeof(Corev1Event), "io.k8s.api.core.v1.Event")]
    [InlineData(typeof(Eventsv1Event), "io.k8s.api.events.v1.Event")]
    [InlineData(typeof(V1DaemonEndpoint), "io.k8s.api.core.v1.DaemonEndpoint")]
    [InlineData(typeof(IntOrString), "io.k8s.apimachinery.pkg.util.intstr.IntOrString")]
    public void Schema_names(Type type, string expected) => Assert.Equal(expected, SchemaNames.Of(type));

    [Fact]
    public void Descriptions_come_from_the_client_xml_docs()
    {
        Assert.True(Docs.Value.Count > 1000, "KubernetesClient.xml was not found next to the dll or in the NuGet cache");
        var schemas = Document("api/v1")["components"]!["schemas"]!.AsObject();
        Assert.StartsWith("Pod is a collection of containers that can run on a host.", (string)schemas["io.k8s.api.core.v1.Pod"]!["description"]!, StringComparison.Ordinal);
        Assert.StartsWith("List of containers belonging to the pod.", (string)schemas["io.k8s.api.core.v1.PodSpec"]!["properties"]!["containers"]!["description"]!, StringComparison.Ordinal);
    }

    [Fact]
    public void Docs_parse_joins_wrapped_lines_and_keeps_paragraphs()
    {
        const string xml = """
            <doc><members>
            <member name="T:k8s.Models.V1Pod"><summary>
            Pod is a collection
            of containers.

            Second paragraph.
            </summary></member>
            <member name="T:k8s.Other"><summary>ignored</summary></member>
            </members></doc>
            """;
        var docs = KubernetesClientDocs.Parse(new MemoryStream(System.Text.Encoding.UTF8.GetBytes(xml)));
        Assert.Equal("Pod is a collection of containers.\n\nSecond paragraph.", docs.ForType(typeof(V1Pod)));
        Assert.Equal(1, docs.Count);
    }

    private static IEnumerable<string> References(JsonNode node)
    {
        switch (node)
        {
            case JsonObject obj:
                foreach (var (key, value) in obj)
                {
                    if (key == "$ref" && value is JsonValue v)
                    {
                        yield return (string)v!;
                    }
                    else if (value is not null)
                    {
                        foreach (var reference in References(value))
                        {
                            yield return reference;
                        }
                    }
                }

                break;
            case JsonArray array:
                foreach (var item in array.Where(i => i is not null))
                {
                    foreach (var reference in References(item!))
                    {
                        yield return reference;
                    }
                }

                break;
        }
    }
}
