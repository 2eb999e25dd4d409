using System.Text.Json;

namespace Skiff.EndToEnd.Tests.Security;

/// <summary>
/// Each component of <c>skiff server</c> talks to the API server as itself, as the audit log (Metadata level, on in
/// the shared cluster) shows: the scheduler binds pods as <c>system:kube-scheduler</c>, the controller manager
/// creates ReplicaSets as <c>system:kube-controller-manager</c>, the kubelet writes pod status and its Lease as
/// <c>system:node:&lt;name&gt;</c>, cluster DNS watches Services as <c>system:coredns</c>; none of it is done by the
/// admin (<c>system:masters</c>).
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class ComponentIdentityTests(SkiffCluster cluster)
{
    [SkippableFact]
    public async Task Components_act_under_their_own_least_privilege_users_not_the_admin()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var name = "identity-" + Guid.NewGuid().ToString("N")[..6];
        var create = await cluster.KubectlAsync(["create", "deployment", name, "--image=busybox", "--", "sleep", "3600"]);
        Assert.True(create.ExitCode == 0, create.ToString());
        try
        {
            var ready = await cluster.KubectlAsync(["rollout", "status", $"deployment/{name}", "--timeout=180s"], TimeSpan.FromSeconds(200));
            Assert.True(ready.ExitCode == 0, ready.ToString());

            var events = ReadAudit();
            // A create's URL names no object, so its audit record has no name: any ReplicaSet created by the manager.
            Assert.Contains(events, e => e.Is("system:kube-controller-manager", "create", "replicasets", ""));
            Assert.Contains(events, e => e.Is("system:kube-scheduler", "create", "pods", "binding") && e.Name.StartsWith(name, StringComparison.Ordinal));
            Assert.Contains(events, e => e.User == $"system:node:{SkiffCluster.NodeName}" && e.Resource == "pods" && e.Subresource == "status" && e.Name.StartsWith(name, StringComparison.Ordinal));
            Assert.Contains(events, e => e.User == $"system:node:{SkiffCluster.NodeName}" && e.Resource == "leases" && e.Verb is "create" or "update" or "patch");
            Assert.Contains(events, e => e.Is("system:coredns", "watch", "services", ""));
            Assert.Contains(events, e => e.User == "system:kube-controller-manager" && e.Resource == "leases" && e.Name == "kube-controller-manager");
            Assert.Contains(events, e => e.User == "system:kube-scheduler" && e.Resource == "leases" && e.Name == "kube-scheduler");

            // Nothing a component does comes from a privileged identity.
            var privileged = events.Where(e => e.Groups.Contains("system:masters")).ToList();
            // (The test's own kubectl is the admin: its reads and watches of the Deployment are not counted.)
            Assert.DoesNotContain(privileged, e => e.Subresource == "binding" || e.Resource == "leases"
                || (e.Resource is "pods" or "replicasets" && e.Name.StartsWith(name, StringComparison.Ordinal) && e.Verb is not ("get" or "list" or "watch")));
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "deployment", name]);
        }
    }

    private List<AuditRecord> ReadAudit()
    {
        var records = new List<AuditRecord>();
        using var stream = new FileStream(cluster.AuditLogPath, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
        using var reader = new StreamReader(stream);
        while (reader.ReadLine() is { } line)
        {
            if (line.Length == 0)
            {
                continue;
            }

            using var doc = JsonDocument.Parse(line);
            var root = doc.RootElement;
            var user = root.GetProperty("user");
            var groups = user.TryGetProperty("groups", out var g) ? g.EnumerateArray().Select(x => x.GetString() ?? string.Empty).ToList() : [];
            var objectRef = root.TryGetProperty("objectRef", out var o) ? o : default;
            string Field(string field) => objectRef.ValueKind == JsonValueKind.Object && objectRef.TryGetProperty(field, out var v) ? v.GetString() ?? string.Empty : string.Empty;
            records.Add(new AuditRecord(
                // A request whose credentials were refused is audited with no user at all (upstream's `user: {}`).
                user.TryGetProperty("username", out var name) ? name.GetString() ?? string.Empty : string.Empty, groups, root.GetProperty("verb").GetString() ?? string.Empty,
                Field("resource"), Field("subresource"), Field("name")));
        }

        return records;
    }

    private sealed record AuditRecord(string User, List<string> Groups, string Verb, string Resource, string Subresource, string Name)
    {
        public bool Is(string user, string verb, string resource, string subresource) =>
            User == user && Verb == verb && Resource == resource && Subresource == subresource;
    }
}
