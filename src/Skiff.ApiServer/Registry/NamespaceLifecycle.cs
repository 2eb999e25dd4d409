using k8s.Models;
using Skiff.Apimachinery;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// Creates the system namespaces at start. Emptying a terminating namespace is the namespace controller's work (in the
/// controller manager, a client of the API like upstream's); the registry only marks it Terminating, refuses new
/// content in it, and removes it once its finalizers are gone.
/// </summary>
public sealed class NamespaceLifecycle : IAsyncDisposable
{
    public static readonly IReadOnlyList<string> SystemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    private readonly GenericRegistry _registry;
    private readonly ResourceDefinition? _namespaces;

    public NamespaceLifecycle(GenericRegistry registry)
    {
        _registry = registry;
        _namespaces = registry.Index.FindKind(string.Empty, "Namespace");
    }

    public async Task StartAsync(CancellationToken cancellationToken)
    {
        if (_namespaces is null)
        {
            return;
        }

        foreach (var name in SystemNamespaces)
        {
            if (_registry.Hub.For(_namespaces).Get(_namespaces.StorageKey(null, name)) is not null)
            {
                continue;
            }

            try
            {
                await _registry.CreateAsync(_namespaces, null, new V1Namespace { ApiVersion = "v1", Kind = "Namespace", Metadata = new V1ObjectMeta { Name = name } }, dryRun: false, cancellationToken);
            }
            catch (ApiException e) when (e.Code == 409)
            {
                // Created by an earlier start that the cache had not seen yet.
            }
        }
    }

    public ValueTask DisposeAsync() => ValueTask.CompletedTask;
}
