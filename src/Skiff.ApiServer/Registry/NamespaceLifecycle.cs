using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Apimachinery;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Watch;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// Creates the system namespaces at start, and finalizes terminating namespaces: deletes what they contain (with the
/// usual graceful rules) and removes the namespace once nothing is left in it.
/// </summary>
public sealed class NamespaceLifecycle : IAsyncDisposable
{
    public static readonly IReadOnlyList<string> SystemNamespaces = ["default", "kube-system", "kube-public", "kube-node-lease"];

    private readonly GenericRegistry _registry;
    private readonly ResourceDefinition? _namespaces;
    private readonly ILogger _logger;
    private readonly TimeSpan _interval;
    private readonly CancellationTokenSource _stop = new();
    private Task? _loop;

    public NamespaceLifecycle(GenericRegistry registry, ILogger logger, TimeSpan interval)
    {
        _registry = registry;
        _namespaces = registry.Index.FindKind(string.Empty, "Namespace");
        _logger = logger;
        _interval = interval;
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

        _loop = Task.Run(() => RunAsync(_stop.Token), CancellationToken.None);
    }

    /// <summary>One pass: progress every terminating namespace.</summary>
    public async Task FinalizeTerminatingAsync(CancellationToken cancellationToken)
    {
        if (_namespaces is null)
        {
            return;
        }

        var terminating = _registry.Hub.For(_namespaces).Snapshot(_namespaces.StoragePrefix, o => o.BeingDeleted);
        foreach (var ns in terminating)
        {
            var name = ns.Name;
            var remaining = 0;
            foreach (var def in _registry.Index.StorageResources.Where(d => d.Namespaced))
            {
                foreach (var obj in _registry.Hub.For(def).Snapshot(def.StoragePrefixFor(name), _ => true))
                {
                    remaining++;
                    if (obj.BeingDeleted)
                    {
                        continue;
                    }

                    try
                    {
                        await _registry.DeleteAsync(def, name, obj.Name, new V1DeleteOptions { PropagationPolicy = "Background" }, cancellationToken);
                    }
                    catch (ApiException e) when (e.Code is 404 or 409)
                    {
                    }
                }
            }

            if (remaining == 0)
            {
                try
                {
                    await _registry.RemoveAsync(_namespaces, null, name, ns.ModRevision, cancellationToken);
                }
                catch (ApiException e) when (e.Code is 404 or 409)
                {
                }
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        if (_loop is not null)
        {
            try
            {
                await _loop;
            }
            catch (OperationCanceledException)
            {
            }
        }

        _stop.Dispose();
    }

    private async Task RunAsync(CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(_interval);
        while (await timer.WaitForNextTickAsync(cancellationToken))
        {
            try
            {
                await FinalizeTerminatingAsync(cancellationToken);
            }
            catch (Exception ex) when (ex is not OperationCanceledException)
            {
                _logger.LogWarning(ex, "namespace finalization pass failed");
            }
        }
    }
}
