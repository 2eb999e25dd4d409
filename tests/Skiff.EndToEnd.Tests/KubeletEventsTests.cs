using System.Globalization;

namespace Skiff.EndToEnd.Tests;

/// <summary>
/// Issue 12 with the real kubectl: the kubelet's events for a real nginx pod show in <c>kubectl get events</c>,
/// <c>kubectl events --for pod/web</c> and the <c>Events:</c> section of <c>kubectl describe pod web</c>, as on a
/// real cluster (the last one through the involvedObject.* field selectors describe sends).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class KubeletEventsTests(SkiffCluster cluster)
{
    private const string Namespace = "kubelet-events";

    [SkippableFact]
    public async Task Kubectl_shows_the_kubelets_events_for_a_real_nginx_pod()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        await cluster.KubectlAsync(["create", "namespace", Namespace]);
        try
        {
            // Until the scheduler lands, the pod names its node.
            var run = await cluster.KubectlAsync(
                ["run", "web", "-n", Namespace, "--image=nginx", "--image-pull-policy=IfNotPresent", "--overrides={\"spec\":{\"nodeName\":\"" + SkiffCluster.NodeName + "\"}}"]);
            Assert.True(run.ExitCode == 0, run.ToString());
            var ready = await cluster.KubectlAsync(["wait", "-n", Namespace, "--for=condition=Ready", "pod/web", "--timeout=180s"], TimeSpan.FromMinutes(4));
            Assert.True(ready.ExitCode == 0, ready + "\n--- server log:\n" + cluster.ReadLog());

            // Events are written in the background: wait until the Started one is in.
            var events = await EventuallyAsync(["get", "events", "-n", Namespace], "Started container web");
            Assert.Matches(@"(?m)^\S+\s+Normal\s+Pulled\s+pod/web\s+Container image ""nginx"" already present on machine$", events.Stdout);
            Assert.Matches(@"(?m)^\S+\s+Normal\s+Created\s+pod/web\s+Created container: web$", events.Stdout);
            Assert.Matches(@"(?m)^\S+\s+Normal\s+Started\s+pod/web\s+Started container web$", events.Stdout);

            var forPod = await cluster.KubectlAsync(["events", "-n", Namespace, "--for", "pod/web"]);
            Assert.True(forPod.ExitCode == 0, forPod.ToString());
            Assert.Matches(@"(?m)^LAST SEEN\s+TYPE\s+REASON\s+OBJECT\s+MESSAGE$", forPod.Stdout);
            Assert.Matches(@"(?m)^\S+\s+Normal\s+Created\s+Pod/web\s+Created container: web$", forPod.Stdout);
            Assert.Matches(@"(?m)^\S+\s+Normal\s+Started\s+Pod/web\s+Started container web$", forPod.Stdout);

            var describe = await cluster.KubectlAsync(["describe", "pod", "web", "-n", Namespace]);
            Assert.True(describe.ExitCode == 0, describe.ToString());
            var section = describe.Stdout[describe.Stdout.IndexOf("Events:", StringComparison.Ordinal)..];
            Assert.DoesNotContain("<none>", section, StringComparison.Ordinal);
            Assert.Matches(@"(?m)^\s+Type\s+Reason\s+Age\s+From\s+Message$", section);
            Assert.Matches(@"(?m)^\s+Normal\s+Pulled\s+\S+\s+kubelet(, \S+)?\s+Container image ""nginx"" already present on machine$", section);
            Assert.Matches(@"(?m)^\s+Normal\s+Created\s+\S+\s+kubelet(, \S+)?\s+Created container: web$", section);
            Assert.Matches(@"(?m)^\s+Normal\s+Started\s+\S+\s+kubelet(, \S+)?\s+Started container web$", section);

            // The selectors describe uses, each on its own, find the pod's events and only those.
            var uid = (await cluster.KubectlAsync(["get", "pod", "web", "-n", Namespace, "-o", "jsonpath={.metadata.uid}"])).Stdout.Trim();
            foreach (var selector in new[]
                     {
                         "involvedObject.name=web", "involvedObject.namespace=" + Namespace, "involvedObject.kind=Pod", "involvedObject.uid=" + uid,
                         "involvedObject.fieldPath=spec.containers{web}",
                     })
            {
                var selected = await cluster.KubectlAsync(["get", "events", "-n", Namespace, "--field-selector", selector, "-o", "jsonpath={range .items[*]}{.reason}{\"\\n\"}{end}"]);
                Assert.True(selected.ExitCode == 0, selected.ToString());
                Assert.Contains("Started", selected.Stdout.Split('\n'));
            }

            var none = await cluster.KubectlAsync(["get", "events", "-n", Namespace, "--field-selector", "involvedObject.name=other", "-o", "name"]);
            Assert.Equal(string.Empty, none.Stdout.Trim());

            // Deleting the pod stops its container: Killing.
            await cluster.KubectlAsync(["delete", "pod", "web", "-n", Namespace, "--grace-period=1", "--timeout=90s"], TimeSpan.FromSeconds(100));
            var killing = await EventuallyAsync(["get", "events", "-n", Namespace, "--field-selector", "reason=Killing"], "Stopping container web");
            Assert.Matches(@"(?m)^\S+\s+Normal\s+Killing\s+pod/web\s+Stopping container web$", killing.Stdout);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "namespace", Namespace, "--wait=false"]);
        }
    }

    [SkippableFact]
    public async Task The_node_has_the_kubelets_node_events()
    {
        SeedWalkthroughTests.RequireCluster(cluster);

        var events = await EventuallyAsync(["get", "events", "-n", "default", "--field-selector", "involvedObject.kind=Node,involvedObject.name=" + SkiffCluster.NodeName], "NodeReady");

        Assert.Matches(@"(?m)^\S+\s+Normal\s+Starting\s+node/" + SkiffCluster.NodeName + @"\s+Starting kubelet\.$", events.Stdout);
        Assert.Matches(@"(?m)^\S+\s+Normal\s+NodeReady\s+node/" + SkiffCluster.NodeName + @"\s+Node " + SkiffCluster.NodeName + " status is now: NodeReady$", events.Stdout);
    }

    private async Task<CommandResult> EventuallyAsync(string[] kubectl, string expected)
    {
        CommandResult result;
        var attempts = 0;
        do
        {
            result = await cluster.KubectlAsync(kubectl);
            if (result.ExitCode == 0 && result.Stdout.Contains(expected, StringComparison.Ordinal))
            {
                return result;
            }

            await Task.Delay(TimeSpan.FromMilliseconds(500));
        }
        while (++attempts < 40);

        Assert.Fail(string.Create(CultureInfo.InvariantCulture, $"'{expected}' not in kubectl {string.Join(' ', kubectl)} after {attempts} tries:\n{result}"));
        return result;
    }
}
