using System.Net;
using System.Net.Http.Headers;

namespace Skiff.EndToEnd.Tests.Security;

/// <summary>
/// A pod gets its identity as on a real cluster: the kube-api-access volume (a token bound to the pod, the cluster CA
/// and its namespace) and the <c>KUBERNETES_SERVICE_*</c> variables; the token is what its Role allows and no more,
/// and stops working when the pod is deleted; <c>automountServiceAccountToken: false</c> leaves it out.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class PodIdentityTests(SkiffCluster cluster)
{
    private const string Namespace = "pod-identity";
    private const string Mount = "/var/run/secrets/kubernetes.io/serviceaccount";

    [SkippableFact]
    public async Task A_pods_token_is_bound_to_it_and_holds_exactly_its_roles_rights()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        await cluster.KubectlAsync(["create", "namespace", Namespace]);
        try
        {
            await RunAsync(["create", "serviceaccount", "robot", "-n", Namespace]);
            await RunAsync(["create", "role", "pod-reader", "-n", Namespace, "--verb=get,list", "--resource=pods"]);
            await RunAsync(["create", "rolebinding", "robot-reads-pods", "-n", Namespace, "--role=pod-reader", $"--serviceaccount={Namespace}:robot"]);
            await RunAsync(["run", "id", "-n", Namespace, "--image=busybox", "--restart=Never", "--overrides", """{"spec":{"serviceAccountName":"robot"}}""", "--",
                "sh", "-c", $"echo NS=$(cat {Mount}/namespace); head -1 {Mount}/ca.crt; echo TOKEN=$(cat {Mount}/token); echo HOST=$KUBERNETES_SERVICE_HOST:$KUBERNETES_SERVICE_PORT"]);
            await RunAsync(["run", "none", "-n", Namespace, "--image=busybox", "--restart=Never", "--overrides", """{"spec":{"automountServiceAccountToken":false}}""", "--",
                "sh", "-c", $"ls {Mount} || echo NO-TOKEN"]);
            var output = await LogsWhenDoneAsync("id");
            Assert.Contains($"NS={Namespace}", output, StringComparison.Ordinal);
            Assert.Contains("-----BEGIN CERTIFICATE-----", output, StringComparison.Ordinal);
            var kubernetes = (await RunAsync(["get", "svc", "kubernetes", "-n", "default", "-o", "jsonpath={.spec.clusterIP}"])).Stdout;
            Assert.Contains($"HOST={kubernetes}:443", output, StringComparison.Ordinal);
            var token = output.Split('\n').Single(l => l.StartsWith("TOKEN=", StringComparison.Ordinal))["TOKEN=".Length..].Trim();
            Assert.Equal(2, token.Count(c => c == '.'));
            Assert.Contains("NO-TOKEN", await LogsWhenDoneAsync("none"), StringComparison.Ordinal);

            using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true }) { BaseAddress = new Uri(cluster.ServerUrl) };
            http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
            Assert.Equal(HttpStatusCode.OK, (await http.GetAsync($"/api/v1/namespaces/{Namespace}/pods")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync($"/api/v1/namespaces/{Namespace}/secrets")).StatusCode);
            Assert.Equal(HttpStatusCode.Forbidden, (await http.GetAsync("/api/v1/namespaces/default/pods")).StatusCode);
            var whoami = await http.PostAsync("/apis/authentication.k8s.io/v1/selfsubjectreviews",
                new StringContent("""{"apiVersion":"authentication.k8s.io/v1","kind":"SelfSubjectReview"}""", System.Text.Encoding.UTF8, "application/json"));
            Assert.Contains($"system:serviceaccount:{Namespace}:robot", await whoami.Content.ReadAsStringAsync(), StringComparison.Ordinal);

            await RunAsync(["delete", "pod", "id", "-n", Namespace, "--wait=true", "--timeout=60s"], TimeSpan.FromSeconds(70));
            Assert.Equal(HttpStatusCode.Unauthorized, (await http.GetAsync($"/api/v1/namespaces/{Namespace}/pods")).StatusCode);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "namespace", Namespace, "--wait=false"]);
        }
    }

    private async Task<string> LogsWhenDoneAsync(string pod)
    {
        var phase = string.Empty;
        for (var deadline = DateTime.UtcNow.AddMinutes(2); phase is not ("Succeeded" or "Failed") && DateTime.UtcNow < deadline; await Task.Delay(500))
        {
            phase = (await RunAsync(["get", "pod", pod, "-n", Namespace, "-o", "jsonpath={.status.phase}"])).Stdout;
        }

        var output = (await RunAsync(["logs", pod, "-n", Namespace])).Stdout;
        var describe = phase == "Succeeded" ? string.Empty : (await cluster.KubectlAsync(["describe", "pod", pod, "-n", Namespace])).Stdout;
        Assert.True(phase == "Succeeded", $"pod {pod}: {phase}\n{output}\n{describe}\n--- server log:\n{cluster.ReadLog()}");
        return output;
    }

    private async Task<CommandResult> RunAsync(string[] arguments, TimeSpan? timeout = null)
    {
        var result = await cluster.KubectlAsync(arguments, timeout);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)}: {result}\n--- server log:\n{cluster.ReadLog()}");
        return result;
    }
}
