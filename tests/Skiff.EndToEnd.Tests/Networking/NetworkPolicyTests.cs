namespace Skiff.EndToEnd.Tests.Networking;

/// <summary>
/// Issue 18's NetworkPolicy with real containers and the real kubectl, in a namespace of its own: a default-deny
/// ingress policy cuts nginx off, an allow-from-label policy lets exactly the labelled busybox in, deleting them opens
/// again; an egress policy that allows only port 53 keeps cluster DNS (served on the node) and blocks nginx, and one
/// that allows nothing blocks DNS too.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class NetworkPolicyTests(SkiffCluster cluster)
{
    [SkippableFact]
    public async Task Default_deny_allow_from_label_and_an_egress_policy_that_keeps_dns()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var ns = "netpol-" + Guid.NewGuid().ToString("N")[..5];
        await RunAsync(["create", "namespace", ns]);
        try
        {
            await RunAsync(["run", "web", "-n", ns, "--image=nginx", "--restart=Never", "--labels=app=web", "--port=80"]);
            await RunAsync(["run", "client", "-n", ns, "--image=busybox", "--restart=Never", "--labels=role=client", "--", "sleep", "3600"]);
            await RunAsync(["run", "stranger", "-n", ns, "--image=busybox", "--restart=Never", "--labels=role=other", "--", "sleep", "3600"]);
            await RunAsync(["wait", "-n", ns, "--for=condition=Ready", "pod/web", "pod/client", "pod/stranger", "--timeout=180s"], TimeSpan.FromSeconds(200));
            var web = (await RunAsync(["get", "pod", "web", "-n", ns, "-o", "jsonpath={.status.podIP}"])).Stdout.Trim();
            Assert.Equal("ok", await FetchAsync(ns, "client", web));
            Assert.Equal("ok", await FetchAsync(ns, "stranger", web));

            await ApplyAsync(ns, "deny", """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: default-deny-ingress}
                spec:
                  podSelector: {}
                  policyTypes: [Ingress]
                """);
            // Both must end up blocked; each is waited for, because a fetch that merely timed out under load reads
            // "blocked" too, so the first may pass before the policy is in place.
            await EventuallyAsync(() => FetchAsync(ns, "stranger", web), "blocked");
            await EventuallyAsync(() => FetchAsync(ns, "client", web), "blocked");

            await ApplyAsync(ns, "allow", """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: web-from-clients}
                spec:
                  podSelector: {matchLabels: {app: web}}
                  ingress:
                  - from: [{podSelector: {matchLabels: {role: client}}}]
                    ports: [{port: 80}]
                """);
            await EventuallyAsync(() => FetchAsync(ns, "client", web), "ok");
            Assert.Equal("blocked", await FetchAsync(ns, "stranger", web));

            await RunAsync(["delete", "networkpolicy", "-n", ns, "default-deny-ingress", "web-from-clients"]);
            await EventuallyAsync(() => FetchAsync(ns, "stranger", web), "ok");

            // Egress: the stranger may only ask DNS (port 53, any address: cluster DNS answers on the node).
            Assert.Equal("resolved", await LookupAsync(ns, "stranger"));
            await ApplyAsync(ns, "egress-dns", """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: stranger-dns-only}
                spec:
                  podSelector: {matchLabels: {role: other}}
                  policyTypes: [Egress]
                  egress:
                  - ports: [{protocol: UDP, port: 53}, {protocol: TCP, port: 53}]
                """);
            await EventuallyAsync(() => FetchAsync(ns, "stranger", web), "blocked");
            Assert.Equal("resolved", await LookupAsync(ns, "stranger"));
            Assert.Equal("ok", await FetchAsync(ns, "client", web));

            await ApplyAsync(ns, "egress-none", """
                apiVersion: networking.k8s.io/v1
                kind: NetworkPolicy
                metadata: {name: stranger-dns-only}
                spec:
                  podSelector: {matchLabels: {role: other}}
                  policyTypes: [Egress]
                """);
            await EventuallyAsync(() => LookupAsync(ns, "stranger"), "failed");
            Assert.Equal("resolved", await LookupAsync(ns, "client"));
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "namespace", ns, "--wait=false"], TimeSpan.FromSeconds(60));
            await cluster.KubectlAsync(["delete", "pods", "--all", "-n", ns, "--grace-period=1"], TimeSpan.FromSeconds(120));
        }
    }

    /// <summary>nginx's page from <paramref name="pod"/>: <c>ok</c> or <c>blocked</c> (busybox's <c>wget -T</c> crashes,
    /// so <c>timeout</c> bounds it).</summary>
    private async Task<string> FetchAsync(string ns, string pod, string ip)
    {
        var result = await RunAsync(["exec", pod, "-n", ns, "--", "sh", "-c", $"timeout 3 wget -q -O- http://{ip}/ | grep -q 'Welcome to nginx' && echo ok || echo blocked"]);
        return result.Stdout.Trim();
    }

    private async Task<string> LookupAsync(string ns, string pod)
    {
        var result = await RunAsync(["exec", pod, "-n", ns, "--", "sh", "-c", "timeout 5 nslookup kubernetes.default.svc.cluster.local | grep -q 10.43.0.1 && echo resolved || echo failed"]);
        return result.Stdout.Trim();
    }

    private async Task ApplyAsync(string ns, string name, string yaml)
    {
        var file = Path.Combine(cluster.DataDirectory, $"{ns}-{name}.yaml");
        await File.WriteAllTextAsync(file, yaml);
        await RunAsync(["apply", "-n", ns, "-f", file]);
    }

    private static async Task EventuallyAsync(Func<Task<string>> probe, string expected)
    {
        var deadline = DateTime.UtcNow.AddSeconds(30);
        string last;
        while ((last = await probe()) != expected)
        {
            Assert.True(DateTime.UtcNow < deadline, $"still {last}, not {expected}, after 30 s");
            await Task.Delay(250);
        }
    }

    private async Task<CommandResult> RunAsync(string[] arguments, TimeSpan? timeout = null)
    {
        var result = await cluster.KubectlAsync(arguments, timeout);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)}: {result}\n--- server log:\n{cluster.ReadLog()}");
        return result;
    }
}
