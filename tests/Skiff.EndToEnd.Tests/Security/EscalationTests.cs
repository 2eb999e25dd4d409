namespace Skiff.EndToEnd.Tests.Security;

/// <summary>
/// RBAC escalation prevention with the real kubectl and a user with its own client certificate: a user allowed to
/// write Roles and RoleBindings still cannot grant what it does not hold (upstream's message), until it is given
/// <c>bind</c> on a named ClusterRole or <c>escalate</c> on roles.
/// </summary>
[Collection(ClusterCollection.Name)]
public sealed class EscalationTests(SkiffCluster cluster)
{
    [SkippableFact]
    public async Task A_user_cannot_grant_what_it_does_not_hold_unless_allowed_to_bind_or_escalate()
    {
        SeedWalkthroughTests.RequireCluster(cluster);
        var ns = "escalation-" + Guid.NewGuid().ToString("N")[..6];
        await AdminAsync("create", "namespace", ns);
        try
        {
            await AdminAsync("create", "role", "rbac-writer", "-n", ns, "--verb=get,list,create,update", "--resource=roles,rolebindings");
            await AdminAsync("create", "role", "pod-reader", "-n", ns, "--verb=get,list,watch", "--resource=pods");
            await AdminAsync("create", "rolebinding", "dana-writes-rbac", "-n", ns, "--role=rbac-writer", "--user=dana");
            await AdminAsync("create", "rolebinding", "dana-reads-pods", "-n", ns, "--role=pod-reader", "--user=dana");
            var dana = UserCredentials.Create(cluster, "dana", "devs");

            var refused = await dana.KubectlUntilAsync(r => r.Stderr.Contains("attempting to grant", StringComparison.Ordinal),
                "create", "role", "secret-reader", "-n", ns, "--verb=get", "--resource=secrets");
            Assert.NotEqual(0, refused.ExitCode);
            Assert.Contains(
                "Error from server (Forbidden): roles.rbac.authorization.k8s.io \"secret-reader\" is forbidden: user \"dana\" (groups=[\"devs\" \"system:authenticated\"]) " +
                "is attempting to grant RBAC permissions not currently held:\n{APIGroups:[\"\"], Resources:[\"secrets\"], Verbs:[\"get\"]}",
                refused.Stderr, StringComparison.Ordinal);

            // What dana holds, dana may grant.
            await dana.KubectlUntilAsync(r => r.ExitCode == 0, "create", "role", "pod-lister", "-n", ns, "--verb=list", "--resource=pods");
            await dana.KubectlUntilAsync(r => r.ExitCode == 0, "create", "rolebinding", "eve-lists-pods", "-n", ns, "--role=pod-lister", "--user=eve");
            var toView = await dana.KubectlAsync("create", "rolebinding", "eve-views", "-n", ns, "--clusterrole=view", "--user=eve");
            Assert.Contains("rolebindings.rbac.authorization.k8s.io \"eve-views\" is forbidden: user \"dana\"", toView.Stderr, StringComparison.Ordinal);

            // bind on the ClusterRole "view" only.
            await AdminAsync("create", "role", "view-binder", "-n", ns, "--verb=bind", "--resource=clusterroles", "--resource-name=view");
            await AdminAsync("create", "rolebinding", "dana-binds-view", "-n", ns, "--role=view-binder", "--user=dana");
            await dana.KubectlUntilAsync(r => r.ExitCode == 0, "create", "rolebinding", "eve-views", "-n", ns, "--clusterrole=view", "--user=eve");
            var toEdit = await dana.KubectlAsync("create", "rolebinding", "eve-edits", "-n", ns, "--clusterrole=edit", "--user=eve");
            Assert.Contains("rolebindings.rbac.authorization.k8s.io \"eve-edits\" is forbidden: user \"dana\"", toEdit.Stderr, StringComparison.Ordinal);
            Assert.Contains("(Forbidden)", (await dana.KubectlAsync("get", "secrets", "-n", ns)).Stderr, StringComparison.Ordinal);

            // escalate on roles lifts the check for roles.
            await AdminAsync("create", "role", "escalator", "-n", ns, "--verb=escalate", "--resource=roles");
            await AdminAsync("create", "rolebinding", "dana-escalates", "-n", ns, "--role=escalator", "--user=dana");
            await dana.KubectlUntilAsync(r => r.ExitCode == 0, "create", "role", "secret-reader", "-n", ns, "--verb=get", "--resource=secrets");

            // The admin (system:masters) is never checked.
            await AdminAsync("create", "clusterrole", "secrets-" + ns, "--verb=*", "--resource=secrets");
            await AdminAsync("delete", "clusterrole", "secrets-" + ns);
        }
        finally
        {
            await cluster.KubectlAsync(["delete", "namespace", ns, "--wait=false"]);
        }
    }

    private async Task AdminAsync(params string[] arguments)
    {
        var result = await cluster.KubectlAsync(arguments);
        Assert.True(result.ExitCode == 0, $"kubectl {string.Join(' ', arguments)}: {result}\n--- server log:\n{cluster.ReadLog()}");
    }
}
