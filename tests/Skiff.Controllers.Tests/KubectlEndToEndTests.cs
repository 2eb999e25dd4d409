using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Controllers.Tests;

/// <summary>
/// The controller manager (leader-elected, as in <c>skiff server</c>) against a real in-process API server, judged by
/// the real kubectl. No kubelet runs: this test plays it, marking every pending pod Running and Ready.
/// </summary>
public sealed class KubectlEndToEndTests : IAsyncLifetime
{
    private RealControlPlane? _plane;
    private Kubectl? _kubectl;

    private KubernetesApiClient Api => _plane!.Api;

    public async Task InitializeAsync()
    {
        _plane = await RealControlPlane.StartAsync("skiff-controllers");
        _kubectl = new Kubectl(_plane.Server.KubeconfigPath);
        _plane.Run(PlayKubeletAsync);
    }

    public async Task DisposeAsync()
    {
        await _plane!.DisposeAsync();
        _kubectl!.Dispose();
    }

    private async Task PlayKubeletAsync(CancellationToken cancellationToken)
    {
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                var pods = await Api.ListAsync<V1Pod>(new ListOptions(), cancellationToken);
                // A pod with a PersistentVolumeClaim volume waits, as a kubelet waits for a claim nobody binds here.
                foreach (var pod in pods.Items.Where(p => p.Status?.Phase is null or "Pending" && p.Metadata.DeletionTimestamp is null
                             && p.Spec?.Volumes?.Any(v => v.PersistentVolumeClaim is not null) != true))
                {
                    pod.Status = new V1PodStatus
                    {
                        Phase = "Running",
                        Conditions = [new V1PodCondition { Type = "Ready", Status = "True", LastTransitionTime = DateTime.UtcNow }],
                    };
                    try
                    {
                        await Api.UpdateStatusAsync(pod, cancellationToken);
                    }
                    catch (ApiException)
                    {
                        // Changed or gone meanwhile: the next round sees it.
                    }
                }

                await Task.Delay(200, cancellationToken);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private Task<string> KubectlAsync(params string[] args) => _kubectl!.OkAsync(args);

    private Task<(int ExitCode, string Stdout, string Stderr)> RunKubectlAsync(params string[] args) => _kubectl!.RunAsync(args);

    private static Task<string> EventuallyAsync(Func<Task<string>> read, Func<string, bool> done) => Kubectl.EventuallyAsync(read, done);

    [Fact]
    public async Task Create_rollout_scale_set_image_undo_and_delete_behave_as_on_a_cluster()
    {
        if (Kubectl.Missing())
        {
            return;
        }

        await KubectlAsync("create", "deployment", "web", "--image=nginx:1.26", "--replicas=3");
        Assert.Contains("successfully rolled out", await KubectlAsync("rollout", "status", "deployment/web", "--timeout=60s"), StringComparison.Ordinal);
        Assert.Equal("3", (await KubectlAsync("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].metadata.name}")).Split(' ').Length.ToString(System.Globalization.CultureInfo.InvariantCulture));

        await KubectlAsync("scale", "deployment/web", "--replicas=5");
        var ready = await EventuallyAsync(() => KubectlAsync("get", "deployment", "web", "-o", "jsonpath={.status.readyReplicas}"), t => t == "5");
        Assert.Equal("5", ready);

        await KubectlAsync("set", "image", "deployment/web", "nginx=nginx:1.27");
        Assert.Contains("successfully rolled out", await KubectlAsync("rollout", "status", "deployment/web", "--timeout=60s"), StringComparison.Ordinal);
        var history = await KubectlAsync("rollout", "history", "deployment/web");
        Assert.Contains("1 ", history, StringComparison.Ordinal);
        Assert.Contains("2 ", history, StringComparison.Ordinal);

        await KubectlAsync("rollout", "undo", "deployment/web");
        Assert.Contains("successfully rolled out", await KubectlAsync("rollout", "status", "deployment/web", "--timeout=60s"), StringComparison.Ordinal);
        Assert.Equal("nginx:1.26", await KubectlAsync("get", "deployment", "web", "-o", "jsonpath={.spec.template.spec.containers[0].image}"));
        var images = await EventuallyAsync(
            () => KubectlAsync("get", "pods", "-l", "app=web", "-o", "jsonpath={.items[*].spec.containers[0].image}"),
            t => t.Split(' ').All(i => i == "nginx:1.26") && t.Split(' ').Length == 5);
        Assert.Equal(Enumerable.Repeat("nginx:1.26", 5), images.Split(' '));
        Assert.Contains("3 ", await KubectlAsync("rollout", "history", "deployment/web"), StringComparison.Ordinal);

        await KubectlAsync("delete", "deployment", "web");
        var left = await EventuallyAsync(() => KubectlAsync("get", "replicasets,pods", "-o", "name"), t => t.Trim().Length == 0);
        Assert.Equal(string.Empty, left.Trim());
    }

    [Fact]
    public async Task Deleting_a_namespace_removes_all_its_content_then_the_namespace()
    {
        if (Kubectl.Missing())
        {
            return;
        }

        await KubectlAsync("create", "namespace", "shop");
        Assert.Equal("kubernetes", await KubectlAsync("get", "namespace", "shop", "-o", "jsonpath={.spec.finalizers[*]}"));
        await KubectlAsync("-n", "shop", "create", "deployment", "web", "--image=nginx", "--replicas=2");
        await KubectlAsync("-n", "shop", "create", "configmap", "settings", "--from-literal=color=blue");
        await KubectlAsync("-n", "shop", "create", "secret", "generic", "token", "--from-literal=key=s3cret");
        await KubectlAsync("-n", "shop", "create", "service", "clusterip", "web", "--tcp=80:80");
        Assert.Contains("successfully rolled out", await KubectlAsync("-n", "shop", "rollout", "status", "deployment/web", "--timeout=60s"), StringComparison.Ordinal);

        // kubectl waits for the namespace to be gone, as on a cluster.
        Assert.Contains("namespace \"shop\" deleted", await KubectlAsync("delete", "namespace", "shop", "--timeout=60s"), StringComparison.Ordinal);
        var missing = await RunKubectlAsync("get", "namespace", "shop");
        Assert.NotEqual(0, missing.ExitCode);
        Assert.Contains("namespaces \"shop\" not found", missing.Stderr, StringComparison.Ordinal);
        foreach (var resource in new[] { "deployments", "replicasets", "pods", "configmaps", "secrets", "services", "serviceaccounts" })
        {
            Assert.Equal(string.Empty, (await KubectlAsync("get", resource, "-n", "shop", "-o", "name")).Trim());
        }

        // Content a finalizer holds keeps the namespace Terminating, refusing new content, with the reason in its
        // conditions; once the finalizer goes, so does the namespace.
        await KubectlAsync("create", "namespace", "held");
        await KubectlAsync("-n", "held", "create", "configmap", "pinned");
        await KubectlAsync("-n", "held", "patch", "configmap", "pinned", "--type=merge", "-p", """{"metadata":{"finalizers":["example.com/hold"]}}""");
        await KubectlAsync("delete", "namespace", "held", "--wait=false");
        Assert.Equal("Terminating", await KubectlAsync("get", "namespace", "held", "-o", "jsonpath={.status.phase}"));
        var refused = await RunKubectlAsync("-n", "held", "create", "configmap", "late");
        Assert.NotEqual(0, refused.ExitCode);
        Assert.Contains("unable to create new content in namespace held because it is being terminated", refused.Stderr, StringComparison.Ordinal);
        var finalizers = await EventuallyAsync(
            () => KubectlAsync("get", "namespace", "held", "-o", "jsonpath={.status.conditions[?(@.type==\"NamespaceFinalizersRemaining\")].message}"),
            t => t.Length > 0);
        Assert.Equal("Some content in the namespace has finalizers remaining: example.com/hold in 1 resource instances", finalizers);

        await KubectlAsync("-n", "held", "patch", "configmap", "pinned", "--type=merge", "-p", """{"metadata":{"finalizers":null}}""");
        await KubectlAsync("wait", "--for=delete", "namespace/held", "--timeout=60s");
        Assert.NotEqual(0, (await RunKubectlAsync("get", "namespace", "held")).ExitCode);
    }

    private const string ReplicationControllerYaml = """
        apiVersion: v1
        kind: ReplicationController
        metadata:
          name: legacy
        spec:
          replicas: 2
          template:
            metadata:
              labels: {app: legacy}
            spec:
              containers:
              - name: c
                image: nginx:1.27
        """;

    [Fact]
    public async Task A_replication_controller_is_created_scaled_and_deleted_with_kubectl()
    {
        if (Kubectl.Missing())
        {
            return;
        }

        var manifest = Path.Combine(_plane!.DataDirectory, "rc.yaml");
        await File.WriteAllTextAsync(manifest, ReplicationControllerYaml);
        await KubectlAsync("create", "-f", manifest);
        Assert.Equal("legacy", await KubectlAsync("get", "rc", "legacy", "-o", "jsonpath={.spec.selector.app}")); // defaulted from the template
        var ready = await EventuallyAsync(() => KubectlAsync("get", "rc", "legacy", "-o", "jsonpath={.status.readyReplicas}"), t => t == "2");
        Assert.Equal("2", ready);
        Assert.Matches(@"NAME\s+DESIRED\s+CURRENT\s+READY\s+AGE\s+CONTAINERS\s+IMAGES\s+SELECTOR\nlegacy\s+2\s+2\s+2\s+\S+\s+c\s+nginx:1.27\s+app=legacy", await KubectlAsync("get", "rc", "legacy", "-o", "wide"));

        Assert.Contains("replicationcontroller/legacy scaled", await KubectlAsync("scale", "rc", "legacy", "--replicas=4"), StringComparison.Ordinal);
        ready = await EventuallyAsync(() => KubectlAsync("get", "rc", "legacy", "-o", "jsonpath={.status.readyReplicas}"), t => t == "4");
        Assert.Equal("4", ready);
        var owners = await KubectlAsync("get", "pods", "-l", "app=legacy", "-o", "jsonpath={.items[*].metadata.ownerReferences[0].kind}");
        Assert.Equal(Enumerable.Repeat("ReplicationController", 4), owners.Split(' '));

        await KubectlAsync("scale", "rc/legacy", "--replicas=1");
        var left = await EventuallyAsync(() => KubectlAsync("get", "pods", "-l", "app=legacy", "-o", "name"), t => t.Trim().Split('\n').Length == 1);
        Assert.Single(left.Trim().Split('\n'));
        await KubectlAsync("delete", "rc", "legacy");
        var gone = await EventuallyAsync(() => KubectlAsync("get", "rc,pods", "-l", "app=legacy", "-o", "name"), t => t.Trim().Length == 0);
        Assert.Equal(string.Empty, gone.Trim());
    }

    private const string DaemonSetAndStatefulSetYaml = """
        apiVersion: apps/v1
        kind: DaemonSet
        metadata:
          name: agent
        spec:
          selector:
            matchLabels: {app: agent}
          template:
            metadata:
              labels: {app: agent}
            spec:
              containers:
              - name: c
                image: busybox:1.36
        ---
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: db
        spec:
          replicas: 2
          serviceName: db
          selector:
            matchLabels: {app: db}
          template:
            metadata:
              labels: {app: db}
            spec:
              containers:
              - name: c
                image: busybox:1.36
        """;

    [Fact]
    public async Task Rollout_history_and_undo_of_daemon_sets_and_stateful_sets_read_their_controller_revisions()
    {
        if (Kubectl.Missing())
        {
            return;
        }

        await Api.CreateAsync(new V1Node { ApiVersion = "v1", Kind = "Node", Metadata = new V1ObjectMeta { Name = "node-a" } }, CancellationToken.None);
        var manifest = Path.Combine(_plane!.DataDirectory, "workloads.yaml");
        await File.WriteAllTextAsync(manifest, DaemonSetAndStatefulSetYaml);
        await KubectlAsync("apply", "-f", manifest);
        foreach (var workload in new[] { "ds/agent", "sts/db" })
        {
            Assert.Contains("roll", await KubectlAsync("rollout", "status", workload, "--timeout=60s"), StringComparison.Ordinal);
            await KubectlAsync("set", "image", workload, "c=busybox:1.37");
            Assert.Contains("roll", await KubectlAsync("rollout", "status", workload, "--timeout=60s"), StringComparison.Ordinal);

            var history = await KubectlAsync("rollout", "history", workload);
            Assert.Matches(@"REVISION\s+CHANGE-CAUSE\n1\s+<none>\n2\s+<none>", history);
            Assert.Contains("busybox:1.36", await KubectlAsync("rollout", "history", workload, "--revision=1"), StringComparison.Ordinal);

            Assert.Contains("rolled back", await KubectlAsync("rollout", "undo", workload), StringComparison.Ordinal);
            var kind = workload.StartsWith("ds/", StringComparison.Ordinal) ? "daemonset" : "statefulset";
            Assert.Equal("busybox:1.36", await KubectlAsync("get", kind, workload.Split('/')[1], "-o", "jsonpath={.spec.template.spec.containers[0].image}"));
            Assert.Contains("roll", await KubectlAsync("rollout", "status", workload, "--timeout=60s"), StringComparison.Ordinal);
            var app = workload.Split('/')[1];
            var images = await EventuallyAsync(
                () => KubectlAsync("get", "pods", "-l", "app=" + app, "-o", "jsonpath={.items[*].spec.containers[0].image}"),
                t => t.Length > 0 && t.Split(' ').All(i => i == "busybox:1.36"));
            Assert.All(images.Split(' '), i => Assert.Equal("busybox:1.36", i));

            // The undo renumbered revision 1 as 3 (no new revision), and undo again goes back to 1.37.
            Assert.Matches(@"REVISION\s+CHANGE-CAUSE\n2\s+<none>\n3\s+<none>", await KubectlAsync("rollout", "history", workload));
            Assert.Contains("busybox:1.37", await KubectlAsync("rollout", "history", workload, "--revision=2"), StringComparison.Ordinal);
            Assert.Contains("skipped rollback", await KubectlAsync("rollout", "undo", workload, "--to-revision=3"), StringComparison.Ordinal);
        }

        var revisions = await KubectlAsync("get", "controllerrevisions", "-o", "custom-columns=NAME:.metadata.name,OWNER:.metadata.ownerReferences[0].kind,REV:.revision", "--no-headers");
        Assert.Equal(4, revisions.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length);
    }

    private const string StatefulSetWithClaimsYaml = """
        apiVersion: apps/v1
        kind: StatefulSet
        metadata:
          name: store
        spec:
          serviceName: store
          replicas: 2
          podManagementPolicy: Parallel
          selector:
            matchLabels:
              app: store
          persistentVolumeClaimRetentionPolicy:
            whenDeleted: Delete
          template:
            metadata:
              labels:
                app: store
            spec:
              containers:
              - name: c
                image: busybox:1.36
                volumeMounts:
                - name: data
                  mountPath: /data
          volumeClaimTemplates:
          - metadata:
              name: data
            spec:
              accessModes: [ReadWriteOnce]
              resources:
                requests:
                  storage: 1Gi
        """;

    [Fact]
    public async Task A_stateful_set_with_a_claim_template_creates_pending_claims_that_go_with_the_set()
    {
        if (Kubectl.Missing())
        {
            return;
        }

        var manifest = Path.Combine(_plane!.DataDirectory, "store.yaml");
        await File.WriteAllTextAsync(manifest, StatefulSetWithClaimsYaml);
        Assert.Equal("statefulset.apps/store created\n", await KubectlAsync("apply", "-f", manifest));
        Assert.Equal("Filesystem Pending", await KubectlAsync("get", "sts", "store", "-o", "jsonpath={.spec.volumeClaimTemplates[0].spec.volumeMode} {.spec.volumeClaimTemplates[0].status.phase}"));

        // No provisioner runs: the claims exist and stay Pending, as on a cluster without one.
        var claims = await EventuallyAsync(() => KubectlAsync("get", "pvc"), t => t.Split('\n', StringSplitOptions.RemoveEmptyEntries).Length == 3);
        Assert.Matches(@"^NAME +STATUS +VOLUME +CAPACITY +ACCESS MODES +STORAGECLASS +VOLUMEATTRIBUTESCLASS +AGE\n", claims);
        Assert.Matches(@"(?m)^data-store-0 +Pending +<unset> +\S+$", claims);
        Assert.Matches(@"(?m)^data-store-1 +Pending +<unset> +\S+$", claims);
        Assert.Equal("app=store", await KubectlAsync("get", "pvc", "data-store-0", "-o", "jsonpath=app={.metadata.labels.app}"));
        Assert.Equal("StatefulSet/store", await KubectlAsync("get", "pvc", "data-store-1", "-o", "jsonpath={.metadata.ownerReferences[0].kind}/{.metadata.ownerReferences[0].name}"));

        var pod = await EventuallyAsync(
            () => KubectlAsync("get", "pod", "store-0", "-o", "jsonpath={.spec.volumes[0].name}={.spec.volumes[0].persistentVolumeClaim.claimName} {.status.phase}"),
            t => t.Length > 0);
        Assert.Equal("data=data-store-0 Pending", pod);
        var events = await EventuallyAsync(
            () => KubectlAsync("get", "events", "--field-selector", "reason=SuccessfulCreate", "-o", "jsonpath={.items[*].message}"),
            t => t.Contains("create Claim data-store-1 Pod store-1 in StatefulSet store success", StringComparison.Ordinal));
        Assert.Contains("create Claim data-store-0 Pod store-0 in StatefulSet store success", events, StringComparison.Ordinal);

        // whenDeleted: Delete — the garbage collector takes the claims with the set.
        await KubectlAsync("delete", "sts", "store");
        var left = await EventuallyAsync(() => KubectlAsync("get", "pvc", "-o", "name"), t => t.Length == 0);
        Assert.Equal(string.Empty, left);
    }
}
