using Microsoft.Extensions.Logging;
using Skiff.ApiServer.Authorization.Rbac;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Authorization;

/// <summary>
/// Builds the authorizer chain for the configured mode. With RBAC (upstream's <c>Node,RBAC</c>): reconciles the bootstrap policy and starts the
/// ClusterRole aggregator (in the API server process for now, instead of the controller manager).
/// </summary>
public static class AuthorizationSetup
{
    public static async Task<(AuthorizerChain Chain, IAsyncDisposable Background)> StartAsync(
        ApiServerOptions options, GenericRegistry registry, ILogger logger, CancellationToken ct)
    {
        var rbacServed = registry.Index.Find("rbac.authorization.k8s.io", "v1", "clusterroles") is not null;
        if (options.AuthorizationMode == AuthorizationMode.AlwaysAllow || !rbacServed)
        {
            if (options.AuthorizationMode == AuthorizationMode.Rbac)
            {
                logger.LogWarning("RBAC resources are not served: every authenticated user may do anything");
            }

            return (new AuthorizerChain([new AlwaysAllowAuthorizer()]), new BackgroundLoop(null, null));
        }

        await new BootstrapPolicyReconciler(registry, logger).ReconcileAsync(ct);
        var cts = new CancellationTokenSource();
        var loop = Task.Run(() => new ClusterRoleAggregator(registry, logger).RunAsync(TimeSpan.FromMilliseconds(500), options.Time, cts.Token), CancellationToken.None);
        var rbac = new RbacAuthorizer(new WatchCacheRbacObjects(registry.Hub, registry.Index));
        var node = new Node.NodeAuthorizer(new Node.WatchCacheNodeGraph(registry.Hub, registry.Index));
        var chain = new AuthorizerChain([node, rbac]);
        GuardAgainstEscalation(registry, new Rbac.Escalation.EscalationChecks(rbac, chain));
        return (chain, new BackgroundLoop(cts, loop));
    }

    /// <summary>No granting of rights one does not hold (upstream's policybased RBAC storages).</summary>
    private static void GuardAgainstEscalation(GenericRegistry registry, Rbac.Escalation.EscalationChecks checks)
    {
        var roles = new Rbac.Escalation.RoleEscalationGuard(checks);
        var bindings = new Rbac.Escalation.BindingEscalationGuard(checks);
        foreach (var (plural, guard) in new (string, IWriteGuard)[] { ("roles", roles), ("clusterroles", roles), ("rolebindings", bindings), ("clusterrolebindings", bindings) })
        {
            if (registry.Index.Find(Rbac.Escalation.EscalationChecks.Group, "v1", plural) is { } def)
            {
                registry.AddWriteGuard(def, guard);
            }
        }
    }

    private sealed class BackgroundLoop(CancellationTokenSource? cts, Task? loop) : IAsyncDisposable
    {
        public async ValueTask DisposeAsync()
        {
            if (cts is null || loop is null)
            {
                return;
            }

            await cts.CancelAsync();
            try
            {
                await loop;
            }
            catch (OperationCanceledException)
            {
            }

            cts.Dispose();
        }
    }
}
