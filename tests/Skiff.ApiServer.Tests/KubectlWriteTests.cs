namespace Skiff.ApiServer.Tests;

/// <summary>
/// End-to-end: the kubectl v1.32 verbs that change objects in place (apply, server-side apply, label, annotate, scale,
/// set image, rollout restart, cordon, patch, drain) and the generators that send protobuf bodies, against the real
/// server, each checked against the output kubectl prints for the real API server.
/// </summary>
[Collection(ServerCollection.Name)]
public sealed class KubectlWriteTests(ServerFixture fx)
{
    private readonly Kubectl _kubectl = new(fx);

    private static string DeploymentYaml(string name, string ns, int replicas, string image) => $"""
        apiVersion: apps/v1
        kind: Deployment
        metadata:
          name: {name}
          namespace: {ns}
        spec:
          replicas: {replicas}
          selector:
            matchLabels:
              app: {name}
          template:
            metadata:
              labels:
                app: {name}
            spec:
              containers:
              - name: main
                image: {image}
        """;

    [Fact]
    public async Task Apply_three_times_then_server_side_apply_twice_and_a_conflicting_manager()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var ns = await fx.NewNamespaceAsync();
        var file = await _kubectl.WriteFileAsync($"{ns}-web.yaml", DeploymentYaml("web", ns, 1, "nginx:1.27"));
        Assert.Equal("deployment.apps/web created\n", await _kubectl.OkAsync("apply", "-f", file));
        Assert.Equal("deployment.apps/web unchanged\n", await _kubectl.OkAsync("apply", "-f", file));
        await File.WriteAllTextAsync(file, DeploymentYaml("web", ns, 1, "nginx:1.28"));
        Assert.Equal("deployment.apps/web configured\n", await _kubectl.OkAsync("apply", "-f", file));
        Assert.Equal("nginx:1.28", await _kubectl.OkAsync("get", "deployment", "web", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].image}"));
        Assert.Matches(@"(?m)^    manager: kubectl-client-side-apply\n    operation: Update\n",
            await _kubectl.OkAsync("get", "deployment", "web", "-n", ns, "-o", "yaml", "--show-managed-fields"));

        // Moving a client-side-applied object to server-side apply: kubectl migrates the ownership first, so a change is no conflict.
        await File.WriteAllTextAsync(file, DeploymentYaml("web", ns, 1, "nginx:1.29"));
        Assert.Equal("deployment.apps/web serverside-applied\n", await _kubectl.OkAsync("apply", "--server-side", "-f", file));
        Assert.Equal("nginx:1.29", await _kubectl.OkAsync("get", "deployment", "web", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].image}"));

        var ssa = await _kubectl.WriteFileAsync($"{ns}-api.yaml", DeploymentYaml("api", ns, 2, "nginx:1.27"));
        Assert.Equal("deployment.apps/api serverside-applied\n", await _kubectl.OkAsync("apply", "--server-side", "-f", ssa));
        Assert.Equal("deployment.apps/api serverside-applied\n", await _kubectl.OkAsync("apply", "--server-side", "-f", ssa));

        var other = await _kubectl.WriteFileAsync($"{ns}-api-other.yaml", DeploymentYaml("api", ns, 3, "nginx:1.27"));
        var conflict = await _kubectl.RunAsync("apply", "--server-side", "--field-manager=other", "-f", other);
        Assert.Equal(1, conflict.Code);
        Assert.StartsWith("error: Apply failed with 1 conflict: conflict with \"kubectl\": .spec.replicas\n" +
            "Please review the fields above--they currently have other managers.", conflict.Err, StringComparison.Ordinal);
        Assert.Contains("re-run the apply\n  command with the `--force-conflicts` flag.", conflict.Err, StringComparison.Ordinal);

        Assert.Equal("deployment.apps/api serverside-applied\n", await _kubectl.OkAsync("apply", "--server-side", "--field-manager=other", "--force-conflicts", "-f", other));
        Assert.Equal("3", await _kubectl.OkAsync("get", "deployment", "api", "-n", ns, "-o", "jsonpath={.spec.replicas}"));

        var yaml = await _kubectl.OkAsync("get", "deployment", "api", "-n", ns, "-o", "yaml", "--show-managed-fields");
        Assert.Contains("  managedFields:\n", yaml, StringComparison.Ordinal);
        Assert.Matches(@"(?m)^    manager: kubectl\n    operation: Apply\n", yaml);
        Assert.Matches(@"(?m)^    manager: other\n    operation: Apply\n", yaml);
        Assert.Contains("fieldsType: FieldsV1", yaml, StringComparison.Ordinal);
        Assert.DoesNotContain("managedFields", await _kubectl.OkAsync("get", "deployment", "api", "-n", ns, "-o", "yaml"), StringComparison.Ordinal);

    }

    [Fact]
    public async Task Label_annotate_scale_set_image_rollout_restart_and_every_patch_type()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var ns = await fx.NewNamespaceAsync();
        Assert.Equal("deployment.apps/web created\n", await _kubectl.OkAsync("create", "deployment", "web", "--image=nginx:1.27", "-n", ns));
        Assert.Equal("deployment.apps/web labeled\n", await _kubectl.OkAsync("label", "deployment", "web", "tier=front", "-n", ns));
        Assert.Equal("deployment.apps/web annotated\n", await _kubectl.OkAsync("annotate", "deployment", "web", "note=hello", "-n", ns));
        Assert.Equal("deployment.apps/web scaled\n", await _kubectl.OkAsync("scale", "deployment", "web", "--replicas=3", "-n", ns));
        Assert.Equal("deployment.apps/web image updated\n", await _kubectl.OkAsync("set", "image", "deployment/web", "nginx=nginx:1.28", "-n", ns));
        Assert.Equal("deployment.apps/web restarted\n", await _kubectl.OkAsync("rollout", "restart", "deployment/web", "-n", ns));
        Assert.Equal("front hello 3 nginx:1.28", await _kubectl.OkAsync("get", "deployment", "web", "-n", ns, "-o",
            "jsonpath={.metadata.labels.tier} {.metadata.annotations.note} {.spec.replicas} {.spec.template.spec.containers[0].image}"));
        Assert.Matches(@"^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(Z|[+-]\d\d:\d\d)$", await _kubectl.OkAsync("get", "deployment", "web", "-n", ns, "-o",
            "jsonpath={.spec.template.metadata.annotations.kubectl\\.kubernetes\\.io/restartedAt}"));

        Assert.Equal("deployment.apps/web patched\n", await _kubectl.OkAsync("patch", "deployment", "web", "-n", ns, "--type", "json", "-p", """[{"op":"replace","path":"/spec/replicas","value":2}]"""));
        Assert.Equal("deployment.apps/web patched\n", await _kubectl.OkAsync("patch", "deployment", "web", "-n", ns, "--type", "merge", "-p", """{"metadata":{"labels":{"merged":"yes"}}}"""));
        const string smp = """{"spec":{"template":{"spec":{"containers":[{"name":"nginx","image":"nginx:1.29"}]}}}}""";
        Assert.Equal("deployment.apps/web patched\n", await _kubectl.OkAsync("patch", "deployment", "web", "-n", ns, "--type", "strategic", "-p", smp));
        Assert.Equal("deployment.apps/web patched (no change)\n", await _kubectl.OkAsync("patch", "deployment", "web", "-n", ns, "--type", "strategic", "-p", smp));
        Assert.Equal("2 yes nginx nginx:1.29", await _kubectl.OkAsync("get", "deployment", "web", "-n", ns, "-o",
            "jsonpath={.spec.replicas} {.metadata.labels.merged} {.spec.template.spec.containers[*].name} {.spec.template.spec.containers[*].image}"));

        var bad = await _kubectl.RunAsync("patch", "deployment", "web", "-n", ns, "--type", "json", "-p", """[{"op":"remove","path":"/spec/nothing"}]""");
        Assert.Equal(1, bad.Code);
        Assert.StartsWith("The request is invalid: : Unable to remove nonexistent key: nothing", bad.Err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Generators_send_protobuf_and_create_every_kind()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var ns = "gen-" + Guid.NewGuid().ToString("N")[..8];
        Assert.Equal($"namespace/{ns} created\n", await _kubectl.OkAsync("create", "namespace", ns));
        Assert.Equal("deployment.apps/d created\n", await _kubectl.OkAsync("create", "deployment", "d", "--image=nginx", "--replicas=2", "-n", ns));
        Assert.Equal("configmap/c created\n", await _kubectl.OkAsync("create", "configmap", "c", "--from-literal=a=b", "-n", ns));
        Assert.Equal("secret/s created\n", await _kubectl.OkAsync("create", "secret", "generic", "s", "--from-literal=p=q", "-n", ns));
        Assert.Equal("service/svc created\n", await _kubectl.OkAsync("create", "service", "clusterip", "svc", "--tcp=80:8080", "-n", ns));
        Assert.Equal("job.batch/j created\n", await _kubectl.OkAsync("create", "job", "j", "--image=busybox", "-n", ns));
        Assert.Equal("serviceaccount/sa created\n", await _kubectl.OkAsync("create", "serviceaccount", "sa", "-n", ns));

        Assert.Equal("2 b cQ== 8080 busybox", string.Join(' ',
            await _kubectl.OkAsync("get", "deployment", "d", "-n", ns, "-o", "jsonpath={.spec.replicas}"),
            await _kubectl.OkAsync("get", "configmap", "c", "-n", ns, "-o", "jsonpath={.data.a}"),
            await _kubectl.OkAsync("get", "secret", "s", "-n", ns, "-o", "jsonpath={.data.p}"),
            await _kubectl.OkAsync("get", "service", "svc", "-n", ns, "-o", "jsonpath={.spec.ports[0].targetPort}"),
            await _kubectl.OkAsync("get", "job", "j", "-n", ns, "-o", "jsonpath={.spec.template.spec.containers[0].image}")));

        var again = await _kubectl.RunAsync("create", "configmap", "c", "--from-literal=a=b", "-n", ns);
        Assert.Equal(1, again.Code);
        Assert.Equal("error: failed to create configmap: configmaps \"c\" already exists\n", again.Err);
        Assert.Equal("configmap/dry created (server dry run)\n", await _kubectl.OkAsync("create", "configmap", "dry", "--from-literal=a=b", "-n", ns, "--dry-run=server"));
        Assert.Equal(1, (await _kubectl.RunAsync("get", "configmap", "dry", "-n", ns)).Code);
    }

    [Fact]
    public async Task Cordon_uncordon_and_drain_dry_run_on_a_node()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var node = "node-" + Guid.NewGuid().ToString("N")[..8];
        var ns = await fx.NewNamespaceAsync();
        var nodeFile = await _kubectl.WriteFileAsync($"{node}.yaml", $"""
            apiVersion: v1
            kind: Node
            metadata:
              name: {node}
            """);
        Assert.Equal($"node/{node} created\n", await _kubectl.OkAsync("create", "-f", nodeFile));
        Assert.Equal($"node/{node} cordoned\n", await _kubectl.OkAsync("cordon", node));
        Assert.Equal($"node/{node} already cordoned\n", await _kubectl.OkAsync("cordon", node));
        Assert.Equal("true", await _kubectl.OkAsync("get", "node", node, "-o", "jsonpath={.spec.unschedulable}"));
        Assert.Equal($"node/{node} uncordoned\n", await _kubectl.OkAsync("uncordon", node));
        Assert.Equal(string.Empty, await _kubectl.OkAsync("get", "node", node, "-o", "jsonpath={.spec.unschedulable}"));

        var podFile = await _kubectl.WriteFileAsync($"{node}-pod.yaml", $"""
            apiVersion: v1
            kind: Pod
            metadata:
              name: lonely
              namespace: {ns}
            spec:
              nodeName: {node}
              containers:
              - name: main
                image: nginx
            """);
        await _kubectl.OkAsync("create", "-f", podFile);

        var refused = await _kubectl.RunAsync("drain", node, "--dry-run=server", "--ignore-daemonsets");
        Assert.Equal(1, refused.Code);
        Assert.Contains($"cannot delete Pods that declare no controller (use --force to override): {ns}/lonely", refused.Err, StringComparison.Ordinal);

        var drained = await _kubectl.RunWithTimeoutAsync(TimeSpan.FromSeconds(60), "drain", node, "--dry-run=server", "--ignore-daemonsets", "--force", "--timeout=30s");
        Assert.True(drained.Code == 0, drained.Out + drained.Err);
        Assert.Equal($"node/{node} cordoned (server dry run)\nevicting pod {ns}/lonely (server dry run)\nnode/{node} drained (server dry run)\n", drained.Out);
        Assert.Equal($"Warning: deleting Pods that declare no controller: {ns}/lonely\n", drained.Err);

        // Nothing was changed by the dry run.
        Assert.Equal(string.Empty, await _kubectl.OkAsync("get", "node", node, "-o", "jsonpath={.spec.unschedulable}"));
        Assert.Equal("lonely", await _kubectl.OkAsync("get", "pod", "lonely", "-n", ns, "-o", "jsonpath={.metadata.name}"));
    }
}
