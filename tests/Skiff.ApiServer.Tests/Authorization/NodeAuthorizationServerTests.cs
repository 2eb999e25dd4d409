using System.Net;
using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using System.Text.Json.Nodes;
using k8s;
using k8s.Models;
using Skiff.ApiServer.Bootstrap;

namespace Skiff.ApiServer.Tests.Authorization;

/// <summary>The node authorizer and NodeRestriction on a real server, with two nodes' credentials from the join path
/// (client certificates <c>system:node:NAME</c>, group <c>system:nodes</c>).</summary>
[Collection(ServerCollection.Name)]
public sealed class NodeAuthorizationServerTests(ServerFixture fx)
{
    private async Task<HttpClient> JoinAsync(string node)
    {
        JoinToken.TryParse(await File.ReadAllTextAsync(fx.Server.JoinTokenPath), out var token);
        using var anonymous = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });
        using var request = new HttpRequestMessage(HttpMethod.Post, fx.Url(NodeBootstrapEndpoint.CredentialsPath))
        {
            Content = new StringContent("{\"nodeName\":\"" + node + "\"}", Encoding.UTF8, "application/json"),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token!.Format());
        using var response = await anonymous.SendAsync(request);
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        var credentials = (await response.Content.ReadFromJsonAsync(BootstrapJson.Default.NodeCredentials))!;
        var handler = new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true };
        handler.ClientCertificates.Add(X509Certificate2.CreateFromPem(credentials.ClientCertificate, credentials.ClientKey));
        return new HttpClient(handler, disposeHandler: true) { BaseAddress = fx.Server.Address };
    }

    private static async Task<(int Code, string Message)> SendAsync(HttpClient http, HttpMethod method, string path, string? json = null, string contentType = "application/json")
    {
        using var request = new HttpRequestMessage(method, path);
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        using var response = await http.SendAsync(request);
        var body = await response.Content.ReadAsStringAsync();
        var message = body.StartsWith('{') ? (string?)JsonNode.Parse(body)!["message"] ?? string.Empty : body;
        return ((int)response.StatusCode, message);
    }

    [Fact]
    public async Task A_node_reads_only_its_pods_secrets_and_writes_only_itself()
    {
        var ns = await fx.NewNamespaceAsync();
        var suffix = Guid.NewGuid().ToString("N")[..6];
        string n1 = "na-" + suffix, n2 = "nb-" + suffix;
        using var node1 = await JoinAsync(n1);
        using var node2 = await JoinAsync(n2);
        foreach (var name in (string[])["s1", "s2"])
        {
            await fx.Client.CoreV1.CreateNamespacedSecretAsync(new V1Secret { Metadata = new V1ObjectMeta { Name = name }, StringData = new Dictionary<string, string> { ["k"] = "v" } }, ns);
        }

        foreach (var (pod, node, secret) in new[] { ("p1", n1, "s1"), ("p2", n2, "s2") })
        {
            await fx.Client.CoreV1.CreateNamespacedPodAsync(new V1Pod
            {
                Metadata = new V1ObjectMeta { Name = pod },
                Spec = new V1PodSpec
                {
                    NodeName = node,
                    Containers = [new V1Container { Name = "c", Image = "nginx" }],
                    Volumes = [new V1Volume { Name = "s", Secret = new V1SecretVolumeSource { SecretName = secret } }],
                },
            }, ns);
        }

        // Each node registers itself, as a kubelet does.
        Assert.Equal(201, (await SendAsync(node1, HttpMethod.Post, "/api/v1/nodes", "{\"metadata\":{\"name\":\"" + n1 + "\"}}")).Code);
        Assert.Equal(201, (await SendAsync(node2, HttpMethod.Post, "/api/v1/nodes", "{\"metadata\":{\"name\":\"" + n2 + "\"}}")).Code);

        Assert.Equal(200, (await SendAsync(node1, HttpMethod.Get, $"/api/v1/namespaces/{ns}/secrets/s1")).Code);
        Assert.Equal(200, (await SendAsync(node1, HttpMethod.Get, $"/api/v1/namespaces/{ns}/secrets?fieldSelector=metadata.name%3Ds1")).Code);
        Assert.Equal((403, $"secrets \"s2\" is forbidden: User \"system:node:{n1}\" cannot get resource \"secrets\" in API group \"\" in the namespace \"{ns}\": no relationship found between node '{n1}' and this object"),
            await SendAsync(node1, HttpMethod.Get, $"/api/v1/namespaces/{ns}/secrets/s2"));
        Assert.Equal(200, (await SendAsync(node2, HttpMethod.Get, $"/api/v1/namespaces/{ns}/secrets/s2")).Code);
        Assert.Equal(403, (await SendAsync(node1, HttpMethod.Get, $"/api/v1/namespaces/{ns}/secrets")).Code);

        Assert.Equal((403, $"nodes \"{n2}\" is forbidden: node \"{n1}\" is not allowed to modify node \"{n2}\""),
            await SendAsync(node1, HttpMethod.Patch, $"/api/v1/nodes/{n2}", "{\"metadata\":{\"labels\":{\"x\":\"y\"}}}", "application/merge-patch+json"));
        Assert.Equal(200, (await SendAsync(node1, HttpMethod.Patch, $"/api/v1/nodes/{n1}/status", "{\"status\":{\"phase\":\"Running\"}}", "application/merge-patch+json")).Code);
        Assert.Equal((403, $"nodes \"{n1}\" is forbidden: is not allowed to modify labels: node-restriction.kubernetes.io/trusted"),
            await SendAsync(node1, HttpMethod.Patch, $"/api/v1/nodes/{n1}", "{\"metadata\":{\"labels\":{\"node-restriction.kubernetes.io/trusted\":\"yes\"}}}", "application/merge-patch+json"));
        Assert.Equal((403, $"pods \"p2\" is forbidden: node \"{n1}\" can only update pod status for pods with spec.nodeName set to itself"),
            await SendAsync(node1, HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/p2/status", "{\"status\":{\"phase\":\"Failed\"}}", "application/merge-patch+json"));
        Assert.Equal(200, (await SendAsync(node1, HttpMethod.Patch, $"/api/v1/namespaces/{ns}/pods/p1/status", "{\"status\":{\"phase\":\"Running\"}}", "application/merge-patch+json")).Code);
        Assert.Equal((403, $"pods \"p2\" is forbidden: node \"{n1}\" can only delete pods with spec.nodeName set to itself"),
            await SendAsync(node1, HttpMethod.Delete, $"/api/v1/namespaces/{ns}/pods/p2"));
        Assert.Equal(403, (await SendAsync(node1, HttpMethod.Post, $"/api/v1/namespaces/{ns}/pods", "{\"metadata\":{\"name\":\"sneaky\"},\"spec\":{\"nodeName\":\"" + n1 + "\",\"containers\":[{\"name\":\"c\",\"image\":\"nginx\"}]}}")).Code);
        Assert.Equal(403, (await SendAsync(node1, HttpMethod.Delete, $"/api/v1/namespaces/{ns}/secrets/s1")).Code);
        Assert.NotEqual("Failed", (await fx.Client.CoreV1.ReadNamespacedPodAsync("p2", ns)).Status.Phase); // the refused write changed nothing
    }
}
