using System.Text.Json.Nodes;
using k8s;

namespace Skiff.ApiServer.Tests;

/// <summary>End-to-end: the real kubectl v1.32 against the real server.</summary>
[Collection(ServerCollection.Name)]
public sealed class KubectlTests(ServerFixture fx)
{
    private readonly Kubectl _kubectl = new(fx);

    private static string PodYaml(string name, string ns, string? node = null) => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: {name}
          namespace: {ns}
          labels:
            app: web
        spec:
          {(node is null ? "" : "nodeName: " + node)}
          containers:
          - name: main
            image: nginx
        """;

    [Fact]
    public async Task Version_and_api_resources()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        Assert.Contains("Server Version: v1.32", await _kubectl.OkAsync("version"), StringComparison.Ordinal);
        var resources = await _kubectl.OkAsync("api-resources");
        Assert.Matches(@"(?m)^pods\s+po\s+v1\s+true\s+Pod$", resources);
        Assert.Matches(@"(?m)^deployments\s+deploy\s+apps/v1\s+true\s+Deployment$", resources);
    }

    [Fact]
    public async Task Create_get_in_every_output_format_label_annotate_replace_and_delete()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var ns = await fx.NewNamespaceAsync();
        var file = await _kubectl.WriteFileAsync($"{ns}-pod.yaml", PodYaml("web-0", ns));
        Assert.Contains("pod/web-0 created", await _kubectl.OkAsync("create", "-f", file, "--validate=false"), StringComparison.Ordinal);
        var again = await _kubectl.RunAsync("create", "-f", file, "--validate=false");
        Assert.Equal(1, again.Code);
        Assert.Contains($"Error from server (AlreadyExists): error when creating \"{file}\": pods \"web-0\" already exists", again.Err, StringComparison.Ordinal);

        Assert.Matches(@"(?m)^NAME\s+READY\s+STATUS\s+RESTARTS\s+AGE\s*$", await _kubectl.OkAsync("get", "pods", "-n", ns));
        Assert.Matches(@"(?m)^web-0\s+0/1\s+Pending\s+0\s+\d+s\s+<none>\s+<none>", await _kubectl.OkAsync("get", "pods", "-n", ns, "-o", "wide"));
        Assert.Matches(@"(?m)^web-0\s+.*app=web\s*$", await _kubectl.OkAsync("get", "pods", "-n", ns, "--show-labels"));
        Assert.Matches($@"(?m)^{ns}\s+web-0\s+0/1\s+Pending", await _kubectl.OkAsync("get", "pods", "-A"));
        Assert.Equal("pod/web-0\n", await _kubectl.OkAsync("get", "pods", "-n", ns, "-o", "name"));
        Assert.Equal("web-0 Always", await _kubectl.OkAsync("get", "pod", "web-0", "-n", ns, "-o", "jsonpath={.metadata.name} {.spec.restartPolicy}"));
        var json = JsonNode.Parse(await _kubectl.OkAsync("get", "pod", "web-0", "-n", ns, "-o", "json"))!;
        Assert.Equal("Pod", (string?)json["kind"]);
        Assert.Contains("restartPolicy: Always", await _kubectl.OkAsync("get", "pod", "web-0", "-n", ns, "-o", "yaml"), StringComparison.Ordinal);

        var missing = await _kubectl.RunAsync("get", "pod", "nope", "-n", ns);
        Assert.Equal(1, missing.Code);
        Assert.Equal("Error from server (NotFound): pods \"nope\" not found\n", missing.Err);

        Assert.Contains("pod/web-0 labeled", await _kubectl.OkAsync("label", "pod", "web-0", "-n", ns, "tier=front"), StringComparison.Ordinal);
        Assert.Contains("pod/web-0 annotated", await _kubectl.OkAsync("annotate", "pod", "web-0", "-n", ns, "note=hi"), StringComparison.Ordinal);
        Assert.Equal("front hi", await _kubectl.OkAsync("get", "pod", "web-0", "-n", ns, "-o", "jsonpath={.metadata.labels.tier} {.metadata.annotations.note}"));

        // replace with the current object succeeds; with a stale resourceVersion it is a conflict.
        var current = await _kubectl.OkAsync("get", "pod", "web-0", "-n", ns, "-o", "yaml");
        var fresh = await _kubectl.WriteFileAsync($"{ns}-fresh.yaml", current.Replace("tier: front", "tier: back", StringComparison.Ordinal));
        Assert.Contains("pod/web-0 replaced", await _kubectl.OkAsync("replace", "-f", fresh, "--validate=false"), StringComparison.Ordinal);
        var stale = await _kubectl.RunAsync("replace", "-f", fresh, "--validate=false");
        Assert.Equal(1, stale.Code);
        Assert.Contains("Error from server (Conflict): error when replacing", stale.Err, StringComparison.Ordinal);
        Assert.Contains("Operation cannot be fulfilled on pods \"web-0\": the object has been modified; please apply your changes to the latest version and try again", stale.Err, StringComparison.Ordinal);

        Assert.Contains("pod \"web-0\" deleted", await _kubectl.OkAsync("delete", "-f", file), StringComparison.Ordinal);
        var gone = await _kubectl.RunAsync("get", "pod", "web-0", "-n", ns);
        Assert.Contains("NotFound", gone.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Sort_by_and_describe()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var ns = await fx.NewNamespaceAsync();
        foreach (var name in new[] { "b", "c", "a" })
        {
            await _kubectl.OkAsync("create", "-f", await _kubectl.WriteFileAsync($"{ns}-{name}.yaml", PodYaml(name, ns)), "--validate=false");
        }

        var sorted = await _kubectl.OkAsync("get", "pods", "-n", ns, "--sort-by=.metadata.name", "-o", "name");
        Assert.Equal("pod/a\npod/b\npod/c\n", sorted);
        var describe = await _kubectl.OkAsync("describe", "pod", "a", "-n", ns);
        Assert.Matches(@"(?m)^Name:\s+a$", describe);
        Assert.Matches($@"(?m)^Namespace:\s+{ns}$", describe);
        Assert.Matches(@"(?m)^Status:\s+Pending$", describe);
        Assert.Matches(@"(?m)^Events:\s+<none>$", describe);
    }

    [Fact]
    public async Task Describe_node()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var name = "node-" + Guid.NewGuid().ToString("N")[..6];
        await fx.Client.CoreV1.CreateNodeAsync(new k8s.Models.V1Node { Metadata = new k8s.Models.V1ObjectMeta { Name = name, Labels = new Dictionary<string, string> { ["kubernetes.io/hostname"] = name } } });
        var describe = await _kubectl.OkAsync("describe", "node", name);
        Assert.Matches($@"(?m)^Name:\s+{name}$", describe);
        Assert.Contains("kubernetes.io/hostname=" + name, describe, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Delete_of_a_bound_pod_waits_for_the_deleted_watch_event()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var ns = await fx.NewNamespaceAsync();
        await _kubectl.OkAsync("create", "-f", await _kubectl.WriteFileAsync($"{ns}-bound.yaml", PodYaml("bound", ns, node: "node-x")), "--validate=false");
        var deleting = _kubectl.RunAsync("delete", "pod", "bound", "-n", ns);
        var waiting = _kubectl.RunAsync("wait", "--for=delete", "pod/bound", "-n", ns, "--timeout=60s");

        // What the kubelet does once the containers stopped: the final delete with grace period 0.
        for (var i = 0; i < 100; i++)
        {
            var pod = await fx.Client.CoreV1.ReadNamespacedPodAsync("bound", ns);
            if (pod.Metadata.DeletionTimestamp is not null)
            {
                break;
            }

            await Task.Delay(100);
        }

        await fx.Client.CoreV1.DeleteNamespacedPodAsync("bound", ns, new k8s.Models.V1DeleteOptions { GracePeriodSeconds = 0 });
        var deleted = await deleting;
        Assert.True(deleted.Code == 0, deleted.Err);
        Assert.Contains("pod \"bound\" deleted", deleted.Out, StringComparison.Ordinal);
        var waited = await waiting;
        Assert.True(waited.Code == 0, waited.Err);
    }

    [Fact]
    public async Task Get_watch_prints_the_list_then_changes()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var ns = await fx.NewNamespaceAsync();
        await _kubectl.OkAsync("create", "-f", await _kubectl.WriteFileAsync($"{ns}-w.yaml", PodYaml("w1", ns)), "--validate=false");
        var watching = _kubectl.RunWithTimeoutAsync(TimeSpan.FromSeconds(30), "get", "pods", "-n", ns, "-w", "--request-timeout=6s");
        await Task.Delay(2500);
        await fx.Client.CoreV1.CreateNamespacedPodAsync(new k8s.Models.V1Pod
        {
            Metadata = new k8s.Models.V1ObjectMeta { Name = "w2" },
            Spec = new k8s.Models.V1PodSpec { Containers = [new k8s.Models.V1Container { Name = "m", Image = "nginx" }] },
        }, ns);
        var (_, output, _) = await watching;
        Assert.Matches(@"(?m)^NAME\s+READY\s+STATUS", output);
        Assert.Matches(@"(?m)^w1\s+0/1\s+Pending", output);
        Assert.Matches(@"(?m)^w2\s+0/1\s+Pending", output);
    }

    [Fact]
    public async Task Get_raw_and_unknown_resource_types()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var raw = JsonNode.Parse(await _kubectl.OkAsync("get", "--raw", "/api/v1/namespaces/default"))!;
        Assert.Equal("default", (string?)raw["metadata"]!["name"]);
        var unknown = await _kubectl.RunAsync("get", "frobnicators");
        Assert.Equal(1, unknown.Code);
        Assert.Contains("the server doesn't have a resource type \"frobnicators\"", unknown.Err, StringComparison.Ordinal);
    }
}
