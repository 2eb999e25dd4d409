using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Informers;
using Skiff.Client.Queue;

namespace Skiff.Controllers.ServiceAccounts;

/// <summary>
/// Upstream's serviceaccounts controller: every active namespace has the service accounts of
/// <see cref="ServiceAccountsOptions.Accounts"/> (<c>default</c>); a deleted one is created again.
/// </summary>
public sealed class ServiceAccountsController : IDisposable
{
    private readonly IApiClient _api;
    private readonly ILogger _logger;
    private readonly IReadOnlyList<string> _accounts;
    private readonly SharedInformer<V1Namespace> _namespaces;
    private readonly SharedInformer<V1ServiceAccount> _serviceAccounts;
    private readonly List<IHandlerRegistration> _registrations = [];

    public ServiceAccountsController(ComponentContext context, IReadOnlyList<string>? accounts = null)
    {
        ArgumentNullException.ThrowIfNull(context);
        _api = context.Api;
        _logger = context.Loggers.CreateLogger("Skiff.Controllers.ServiceAccounts");
        _accounts = accounts ?? [DefaultAccount];
        _namespaces = context.Informers.Get<V1Namespace>();
        _serviceAccounts = context.Informers.Get<V1ServiceAccount>();
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(context.Time), context.Time, "serviceaccount");
        _registrations.Add(_namespaces.AddEventHandler(new ResourceEventHandler<V1Namespace>
        {
            Added = (ns, _) => Queue.Add(ns.Metadata.Name),
            Updated = (_, ns) => Queue.Add(ns.Metadata.Name),
        }));
        _registrations.Add(_serviceAccounts.AddEventHandler(new ResourceEventHandler<V1ServiceAccount>
        {
            // Only a deletion can take an account away.
            Deleted = (sa, _) => Queue.Add(sa.Metadata.NamespaceProperty),
        }));
    }

    public const string DefaultAccount = "default";

    public WorkQueue<string> Queue { get; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_namespaces.WaitForSyncAsync(cancellationToken), _serviceAccounts.WaitForSyncAsync(cancellationToken));
        await QueueWorkers.RunAsync(Queue, workers, SyncAsync, _logger, cancellationToken);
    }

    /// <summary>Creates the missing accounts of namespace <paramref name="key"/>.</summary>
    public async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var ns = _namespaces.Cache.GetByKey(key);
        if (ns is null || !NamespaceStates.IsActive(ns))
        {
            return;
        }

        foreach (var name in _accounts.Where(name => _serviceAccounts.Cache.Get(key, name) is null))
        {
            try
            {
                await _api.CreateAsync(
                    new V1ServiceAccount { ApiVersion = "v1", Kind = "ServiceAccount", Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = key } },
                    cancellationToken);
            }
            catch (ApiException e) when (e.IsAlreadyExists || NamespaceStates.IsNamespaceGoneOrTerminating(e))
            {
                // Already there (the cache lags), or the namespace is going away: nothing to do.
            }
        }
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        Queue.Dispose();
    }
}
