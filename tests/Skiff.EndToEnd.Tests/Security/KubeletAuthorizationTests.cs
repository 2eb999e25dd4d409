using System.Net;
using System.Net.Http.Headers;

namespace Skiff.EndToEnd.Tests.Security;

/// <summary>
/// The kubelet's HTTPS port as upstream's in webhook mode, against the real API server: a caller is authenticated by
/// TokenReview (service account tokens from <c>kubectl create token</c>) and authorized by SubjectAccessReview on
/// <c>nodes/stats</c>; anonymous callers get 401, callers without the right the kubelet's 403. The API server's own
/// kubelet-client identity (no privileged group since this change) still reaches the kubelet through its
/// <c>system:kubelet-api-admin</c> binding, which <c>kubectl get --raw .../proxy/stats/summary</c> exercises.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class KubeletAuthorizationTests(SkiffCluster cluster)
{
    [SkippableFact]
    public async Task The_kubelet_lets_in_only_callers_the_api_server_authorizes_for_nodes_stats()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var id = Guid.NewGuid().ToString("N")[..6];
        var (reader, nobody, role) = ($"stats-reader-{id}", $"stats-nobody-{id}", $"kubelet-stats-{id}");
        await AdminAsync("create", "serviceaccount", reader);
        await AdminAsync("create", "serviceaccount", nobody);
        await AdminAsync("create", "clusterrole", role, "--verb=get", "--resource=nodes/stats");
        await AdminAsync("create", "clusterrolebinding", role, $"--clusterrole={role}", $"--serviceaccount=default:{reader}");
        try
        {
            // The kubelet remembers a denial 30 s: ask only once the API server's RBAC cache has the binding.
            await WaitUntilAsync(async () => (await cluster.KubectlAsync(["auth", "can-i", "get", "nodes", "--subresource=stats", $"--as=system:serviceaccount:default:{reader}"])).Stdout.Trim() == "yes");
            var readerToken = (await AdminAsync("create", "token", reader)).Trim();
            var nobodyToken = (await AdminAsync("create", "token", nobody)).Trim();
            var kubelet = await KubeletUrlAsync();
            using var http = new HttpClient(new HttpClientHandler { ServerCertificateCustomValidationCallback = (_, _, _, _) => true });

            var anonymous = await http.GetAsync(new Uri(kubelet, "/stats/summary"));
            Assert.Equal(HttpStatusCode.Unauthorized, anonymous.StatusCode);
            Assert.Equal("Unauthorized", await anonymous.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.Unauthorized, (await SendAsync(http, kubelet, "/stats/summary", "not-a-token")).StatusCode);

            var refused = await SendAsync(http, kubelet, "/stats/summary", nobodyToken);
            Assert.Equal(HttpStatusCode.Forbidden, refused.StatusCode);
            Assert.Equal($"Forbidden (user=system:serviceaccount:default:{nobody}, verb=get, resource=nodes, subresource=stats)", await refused.Content.ReadAsStringAsync());

            var allowed = await SendAsync(http, kubelet, "/stats/summary", readerToken);
            var body = await allowed.Content.ReadAsStringAsync();
            Assert.True(allowed.StatusCode == HttpStatusCode.OK, $"{allowed.StatusCode}: {body}");
            using var summary = System.Text.Json.JsonDocument.Parse(body);
            Assert.Equal(SkiffCluster.NodeName, summary.RootElement.GetProperty("node").GetProperty("nodeName").GetString());

            // nodes/stats is not nodes/proxy: the same reader may not list the kubelet's pods or read its logs.
            var pods = await SendAsync(http, kubelet, "/pods", readerToken);
            Assert.Equal(HttpStatusCode.Forbidden, pods.StatusCode);
            Assert.Equal($"Forbidden (user=system:serviceaccount:default:{reader}, verb=get, resource=nodes, subresource=proxy)", await pods.Content.ReadAsStringAsync());
            Assert.Equal(HttpStatusCode.Forbidden, (await SendAsync(http, kubelet, "/logs/", readerToken)).StatusCode);

            // The API server's kubelet-client certificate is let in (system:kubelet-api-admin).
            var proxied = await cluster.KubectlAsync(["get", "--raw", $"/api/v1/nodes/{SkiffCluster.NodeName}/proxy/stats/summary"]);
            Assert.True(proxied.ExitCode == 0, proxied.ToString());
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "clusterrolebinding", role]);
            await cluster.KubectlAsync(["delete", "clusterrole", role]);
            await cluster.KubectlAsync(["delete", "serviceaccount", reader, nobody]);
        }
    }

    private static Task<HttpResponseMessage> SendAsync(HttpClient http, Uri kubelet, string path, string token)
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri(kubelet, path));
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return http.SendAsync(request);
    }

    /// <summary>The node's InternalIP and kubelet port, as the API server dials them.</summary>
    private async Task<Uri> KubeletUrlAsync()
    {
        var ip = (await AdminAsync("get", "node", SkiffCluster.NodeName, "-o", "jsonpath={.status.addresses[?(@.type==\"InternalIP\")].address}")).Trim();
        var port = (await AdminAsync("get", "node", SkiffCluster.NodeName, "-o", "jsonpath={.status.daemonEndpoints.kubeletEndpoint.Port}")).Trim();
        return new Uri($"https://{(ip.Contains(':', StringComparison.Ordinal) ? $"[{ip}]" : ip)}:{port}");
    }

    private async Task<string> AdminAsync(params string[] arguments)
    {
        var result = await cluster.KubectlAsync(arguments);
        Assert.True(result.ExitCode == 0, result.ToString());
        return result.Stdout;
    }

    private static async Task WaitUntilAsync(Func<Task<bool>> condition)
    {
        var deadline = DateTime.UtcNow.AddSeconds(20);
        while (!await condition())
        {
            Assert.True(DateTime.UtcNow < deadline, "condition not met within 20 s");
            await Task.Delay(250);
        }
    }
}
