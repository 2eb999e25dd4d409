using System.Globalization;
using System.Text.RegularExpressions;

namespace Skiff.EndToEnd.Tests.Services;

/// <summary>
/// Issue 15 with the real kubectl: <c>skiff server</c> runs the EndpointSlice and Endpoints controllers, so a
/// Service over running nginx pods gets Endpoints and an EndpointSlice with the pods' IPs, printed as upstream.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ServiceEndpointsTests(SkiffCluster cluster)
{
    private const string Namespace = "svc-endpoints";

    [SkippableFact]
    public async Task A_service_over_running_pods_gets_endpoints_and_endpointslices()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        await cluster.KubectlAsync(["create", "namespace", Namespace]);
        try
        {
            foreach (var name in new[] { "web-1", "web-2" })
            {
                var run = await cluster.KubectlAsync(["run", name, "-n", Namespace, "--image=nginx", "--image-pull-policy=IfNotPresent", "--labels=app=web"]);
                Assert.True(run.ExitCode == 0, run.ToString());
            }

            var create = await cluster.KubectlAsync(["create", "service", "clusterip", "web", "-n", Namespace, "--tcp=80:80"]);
            Assert.True(create.ExitCode == 0, create.ToString());
            var ready = await cluster.KubectlAsync(["wait", "-n", Namespace, "--for=condition=Ready", "pod/web-1", "pod/web-2", "--timeout=180s"], TimeSpan.FromMinutes(4));
            Assert.True(ready.ExitCode == 0, ready + "\n--- server log:\n" + cluster.ReadLog());
            var ips = (await cluster.KubectlAsync(["get", "pods", "-n", Namespace, "-l", "app=web", "-o", "jsonpath={.items[*].status.podIP}"]))
                .Stdout.Split(' ', StringSplitOptions.RemoveEmptyEntries).Order(StringComparer.Ordinal).ToArray();
            Assert.Equal(2, ips.Length);

            var endpoints = await EventuallyAsync(["get", "endpoints", "web", "-n", Namespace], $"{ips[0]}:80,{ips[1]}:80");
            Assert.Matches(@"(?m)^NAME\s+ENDPOINTS\s+AGE$", endpoints.Stdout);
            Assert.Matches($@"(?m)^web\s+{ips[0]}:80,{ips[1]}:80\s+\S+$", endpoints.Stdout);

            // A slice lists its endpoints in the order they joined it (upstream appends to a slice that has room), not
            // sorted as the Endpoints' addresses are: either order.
            var sliceRow = $@"(?m)^web-\S+\s+IPv4\s+80\s+({Regex.Escape(ips[0])},{Regex.Escape(ips[1])}|{Regex.Escape(ips[1])},{Regex.Escape(ips[0])})\s+\S+$";
            var slices = await EventuallyAsync(["get", "endpointslices", "-n", Namespace, "-l", "kubernetes.io/service-name=web"], sliceRow, regex: true);
            Assert.Matches(@"(?m)^NAME\s+ADDRESSTYPE\s+PORTS\s+ENDPOINTS\s+AGE$", slices.Stdout);

            // The API server's own kubernetes Service keeps exactly its own endpoints: nothing mirrors or fights it.
            var kubernetes = await cluster.KubectlAsync(["get", "endpointslices", "-n", "default", "-l", "kubernetes.io/service-name=kubernetes", "-o", "name"]);
            Assert.Equal("endpointslice.discovery.k8s.io/kubernetes", kubernetes.Stdout.Trim());

            // A pod goes: the endpoints follow.
            await cluster.KubectlAsync(["delete", "pod", "web-2", "-n", Namespace, "--grace-period=1", "--timeout=90s"], TimeSpan.FromSeconds(100));
            var left = (await cluster.KubectlAsync(["get", "pod", "web-1", "-n", Namespace, "-o", "jsonpath={.status.podIP}"])).Stdout.Trim();
            await EventuallyAsync(["get", "endpoints", "web", "-n", Namespace, "-o", "jsonpath={.subsets[*].addresses[*].ip}"], left, exact: true);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "namespace", Namespace, "--wait=false"]);
        }
    }

    private async Task<CommandResult> EventuallyAsync(string[] kubectl, string expected, bool exact = false, bool regex = false)
    {
        CommandResult result;
        var attempts = 0;
        do
        {
            result = await cluster.KubectlAsync(kubectl);
            if (result.ExitCode == 0 && (regex ? Regex.IsMatch(result.Stdout, expected) : exact ? result.Stdout.Trim() == expected : result.Stdout.Contains(expected, StringComparison.Ordinal)))
            {
                return result;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
        while (++attempts < 60);

        Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"'{expected}' not in kubectl {string.Join(' ', kubectl)} after {attempts} tries:\n{result}\n--- server log:\n{cluster.ReadLog()}"));
        return result;
    }
}
