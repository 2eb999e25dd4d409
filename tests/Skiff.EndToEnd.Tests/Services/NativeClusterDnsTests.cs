using System.Globalization;

namespace Skiff.EndToEnd.Tests.Services;

/// <summary>
/// <c>skiff-dns</c>, cluster DNS compiled ahead of time, against the running cluster as a user runs it: it reads the
/// cluster's kubeconfig (client certificate over TLS), lists and watches Services and EndpointSlices with the JSON
/// metadata generated at build time, and answers A, SRV, PTR and NXDOMAIN for objects made after it started.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class NativeClusterDnsTests(SkiffCluster cluster)
{
    [SkippableFact]
    public async Task The_native_binary_answers_for_services_and_slices_as_they_come_and_go()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var binary = RepositoryPaths.SkiffDnsBinary;
        if (binary is null)
        {
            Assert.False(Prerequisite.InCi, "skiff-dns was not built (scripts/build-skiff-dns.sh)");
            Skip.If(true, "skiff-dns was not built (scripts/build-skiff-dns.sh)");
        }

        var port = LoopbackPort.Free();
        var id = Guid.NewGuid().ToString("N")[..6];
        var headless = "ndb-" + id;
        var web = "nweb-" + id;
        await using var dns = RunningCommand.Start(binary!, ["--kubeconfig", cluster.KubeconfigPath, "--listen", $"127.0.0.1:{port}", "--upstream", "127.0.0.1:9"]);
        try
        {
            // Listed at start: the cluster's own Service.
            Assert.Equal("10.43.0.1", await AnswerAsync(port, "kubernetes.default.svc.cluster.local", "A", dns));

            // Made after it started, so seen through the watch.
            var manifest = Path.Combine(cluster.DataDirectory, headless + ".yaml");
            await File.WriteAllTextAsync(manifest, $$"""
                apiVersion: v1
                kind: Service
                metadata: {name: {{headless}}}
                spec:
                  clusterIP: None
                  ports: [{name: pg, port: 5432}]
                ---
                apiVersion: discovery.k8s.io/v1
                kind: EndpointSlice
                metadata:
                  name: {{headless}}-1
                  labels: {kubernetes.io/service-name: {{headless}}, endpointslice.kubernetes.io/managed-by: e2e.skiff.dev}
                addressType: IPv4
                endpoints:
                - addresses: [10.88.0.5]
                  hostname: db-0
                  conditions: {ready: true}
                ports: [{name: pg, port: 5432, protocol: TCP}]
                """);
            await RunAsync(["apply", "-f", manifest]);
            Assert.Equal("10.88.0.5", await AnswerAsync(port, $"{headless}.default.svc.cluster.local", "A", dns));
            Assert.Equal(
                $"0 100 5432 db-0.{headless}.default.svc.cluster.local.",
                await AnswerAsync(port, $"_pg._tcp.{headless}.default.svc.cluster.local", "SRV", dns));

            await RunAsync(["create", "service", "clusterip", web, "--tcp=80:80"]);
            var clusterIp = (await RunAsync(["get", "service", web, "-o", "jsonpath={.spec.clusterIP}"])).Stdout.Trim();
            Assert.Equal(clusterIp, await AnswerAsync(port, $"{web}.default.svc.cluster.local", "A", dns));
            Assert.Equal($"{web}.default.svc.cluster.local.", await AnswerAsync(port, "-x", clusterIp, dns));

            await RunAsync(["delete", "service", web]);
            var status = (await DigAsync(port, $"{web}.default.svc.cluster.local", "A")).Stdout;
            for (var deadline = DateTime.UtcNow.AddSeconds(30); !status.Contains("status: NXDOMAIN", StringComparison.Ordinal) && DateTime.UtcNow < deadline;)
            {
                await Task.Delay(250);
                status = (await DigAsync(port, $"{web}.default.svc.cluster.local", "A")).Stdout;
            }

            Assert.Contains("status: NXDOMAIN", status, StringComparison.Ordinal);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "service", headless, web, "--ignore-not-found"]);
            await cluster.KubectlAsync(["delete", "endpointslice", headless + "-1", "--ignore-not-found"]);
        }
    }

    // The first short answer to `dig NAME TYPE` (or `dig -x IP`), polled until one comes.
    private static async Task<string> AnswerAsync(int port, string name, string type, RunningCommand dns)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var result = await DigAsync(port, name, type, "+short");
            var answer = result.Stdout.Split('\n', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).FirstOrDefault();
            if (result.ExitCode == 0 && answer is not null && answer[0] != ';')
            {
                return answer;
            }

            Assert.True(DateTime.UtcNow < deadline, $"no answer for {name} {type}: {result.Stdout}{result.Stderr}\nskiff-dns: {dns.Stdout}{dns.Stderr}");
            await Task.Delay(250);
        }
    }

    private static Task<CommandResult> DigAsync(int port, string name, string type, params string[] options) =>
        ProcessRunner.RunAsync("dig", ["@127.0.0.1", "-p", port.ToString(CultureInfo.InvariantCulture), "+time=2", "+tries=1", .. options, name, type], null, TimeSpan.FromSeconds(10), CancellationToken.None);

    private async Task<CommandResult> RunAsync(string[] arguments)
    {
        var result = await cluster.KubectlAsync(arguments);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)}: {result.Stderr}");
        return result;
    }
}
