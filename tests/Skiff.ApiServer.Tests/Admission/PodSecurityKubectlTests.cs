using k8s;
using k8s.Models;

namespace Skiff.ApiServer.Tests.Admission;

/// <summary>PodSecurity on the real server with the real kubectl: enforce refuses, warn prints a warning, workloads are only warned.</summary>
[Collection(ServerCollection.Name)]
public sealed class PodSecurityKubectlTests(ServerFixture fx)
{
    private readonly Kubectl _kubectl = new(fx);

    private static string PrivilegedPod(string ns) => $"""
        apiVersion: v1
        kind: Pod
        metadata:
          name: p
          namespace: {ns}
        spec:
          containers:
          - name: c
            image: nginx
            securityContext:
              privileged: true
        """;

    [Fact]
    public async Task Enforce_restricted_refuses_a_privileged_pod_with_upstreams_message()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var ns = "psa-enforce-" + Guid.NewGuid().ToString("N")[..6];
        await _kubectl.OkAsync("create", "namespace", ns);
        await _kubectl.OkAsync("label", "namespace", ns, "pod-security.kubernetes.io/enforce=restricted");
        var file = await _kubectl.WriteFileAsync($"{ns}.yaml", PrivilegedPod(ns));

        var (code, _, err) = await _kubectl.RunAsync("apply", "-f", file);

        Assert.NotEqual(0, code);
        Assert.Contains(
            "pods \"p\" is forbidden: violates PodSecurity \"restricted:latest\": privileged (container \"c\" must not set securityContext.privileged=true), "
            + "allowPrivilegeEscalation != false (container \"c\" must set securityContext.allowPrivilegeEscalation=false), "
            + "unrestricted capabilities (container \"c\" must set securityContext.capabilities.drop=[\"ALL\"]), "
            + "runAsNonRoot != true (pod or container \"c\" must set securityContext.runAsNonRoot=true), "
            + "seccompProfile (pod or container \"c\" must set securityContext.seccompProfile.type to \"RuntimeDefault\" or \"Localhost\")",
            err, StringComparison.Ordinal);
        var pods = await fx.Client.CoreV1.ListNamespacedPodAsync(ns);
        Assert.Empty(pods.Items);
    }

    [Fact]
    public async Task Warn_baseline_prints_the_warning_and_creates_the_pod_and_a_deployment_is_only_warned()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var ns = "psa-warn-" + Guid.NewGuid().ToString("N")[..6];
        await _kubectl.OkAsync("create", "namespace", ns);
        await _kubectl.OkAsync("label", "namespace", ns, "pod-security.kubernetes.io/warn=baseline", "pod-security.kubernetes.io/enforce=baseline");
        var file = await _kubectl.WriteFileAsync($"{ns}.yaml", PrivilegedPod(ns));

        // enforce=baseline refuses the pod; the same template in a Deployment is created with a warning.
        var (code, _, err) = await _kubectl.RunAsync("create", "-f", file);
        Assert.NotEqual(0, code);
        Assert.Contains("violates PodSecurity \"baseline:latest\": privileged (container \"c\" must not set securityContext.privileged=true)", err, StringComparison.Ordinal);

        await _kubectl.OkAsync("label", "namespace", ns, "pod-security.kubernetes.io/enforce-");
        (code, var output, err) = await _kubectl.RunAsync("create", "-f", file);
        Assert.True(code == 0, err);
        Assert.Contains("pod/p created", output, StringComparison.Ordinal);
        Assert.Contains("Warning: would violate PodSecurity \"baseline:latest\": privileged (container \"c\" must not set securityContext.privileged=true)", err, StringComparison.Ordinal);

        await _kubectl.OkAsync("label", "namespace", ns, "pod-security.kubernetes.io/enforce=baseline");
        (code, output, err) = await _kubectl.RunAsync(
            "-n", ns, "create", "deployment", "web", "--image=nginx", "--port=80", "--dry-run=client", "-o", "json");
        Assert.True(code == 0, err);
        var deployment = KubernetesJson.Deserialize<V1Deployment>(output);
        deployment.Spec.Template.Spec.HostNetwork = true;
        var deploymentFile = await _kubectl.WriteFileAsync($"{ns}-deploy.json", KubernetesJson.Serialize(deployment));
        (code, output, err) = await _kubectl.RunAsync("create", "-f", deploymentFile);
        Assert.True(code == 0, err);
        Assert.Contains("deployment.apps/web created", output, StringComparison.Ordinal);
        Assert.Contains("Warning: would violate PodSecurity \"baseline:latest\": host namespaces (hostNetwork=true)", err, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Labelling_a_namespace_with_a_stricter_level_warns_about_its_pods()
    {
        if (!Kubectl.Available())
        {
            return;
        }

        var ns = "psa-label-" + Guid.NewGuid().ToString("N")[..6];
        await _kubectl.OkAsync("create", "namespace", ns);
        var file = await _kubectl.WriteFileAsync($"{ns}.yaml", PrivilegedPod(ns));
        await _kubectl.OkAsync("create", "-f", file);

        var (code, _, err) = await _kubectl.RunAsync("label", "namespace", ns, "pod-security.kubernetes.io/enforce=baseline");

        Assert.True(code == 0, err);
        Assert.Contains($"Warning: existing pods in namespace \"{ns}\" violate the new PodSecurity enforce level \"baseline:latest\"", err, StringComparison.Ordinal);
        Assert.Contains("Warning: p: privileged", err, StringComparison.Ordinal);
        Assert.Single(await fx.Client.CoreV1.ListNamespacedPodAsync(ns) is { } pods ? pods.Items : []);
    }
}
