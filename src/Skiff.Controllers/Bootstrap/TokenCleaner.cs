using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Api.Bootstrap;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Informers;
using Skiff.Client.Queue;

namespace Skiff.Controllers.Bootstrap;

/// <summary>
/// Upstream's tokencleaner: deletes bootstrap token Secrets (<c>kube-system/bootstrap-token-*</c>) once their
/// <c>expiration</c> has passed, so an expired join token leaves nothing behind. A token that is not yet expired is
/// looked at again when it expires.
/// </summary>
public sealed class TokenCleaner : IDisposable
{
    private readonly IApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SharedInformer<V1Secret> _secrets;
    private readonly IHandlerRegistration _registration;

    public TokenCleaner(ComponentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _api = context.Api;
        _time = context.Time;
        _logger = context.Loggers.CreateLogger("Skiff.Controllers.TokenCleaner");
        _secrets = context.Informers.Get<V1Secret>();
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(context.Time), context.Time, "token_cleaner");
        _registration = _secrets.AddEventHandler(new ResourceEventHandler<V1Secret>
        {
            Added = (secret, _) => Enqueue(secret),
            Updated = (_, secret) => Enqueue(secret),
        });
    }

    public WorkQueue<string> Queue { get; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await _secrets.WaitForSyncAsync(cancellationToken);
        await QueueWorkers.RunAsync(Queue, workers, SyncAsync, _logger, cancellationToken);
    }

    public async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        if (_secrets.Cache.GetByKey(key) is not { Type: BootstrapTokenSecrets.SecretType } secret
            || secret.Metadata.NamespaceProperty != BootstrapTokenSecrets.Namespace
            || BootstrapTokenSecrets.ExpirationOf(secret) is not { } expiration)
        {
            return;
        }

        var left = expiration - _time.GetUtcNow();
        if (left > TimeSpan.Zero)
        {
            Queue.AddAfter(key, left);
            return;
        }

        try
        {
            await _api.DeleteAsync<V1Secret>(secret.Metadata.NamespaceProperty, secret.Metadata.Name,
                new V1DeleteOptions { Preconditions = new V1Preconditions { Uid = secret.Metadata.Uid } }, cancellationToken);
            _logger.LogInformation("deleted expired bootstrap token {Key}", key);
        }
        catch (ApiException e) when (e.IsNotFound || e.IsConflict)
        {
            // gone already, or replaced by a new Secret of the same name (its own event brings it back)
        }
    }

    public void Dispose()
    {
        _registration.Dispose();
        Queue.Dispose();
    }

    private void Enqueue(V1Secret secret)
    {
        if (secret.Metadata.NamespaceProperty == BootstrapTokenSecrets.Namespace && secret.Type == BootstrapTokenSecrets.SecretType)
        {
            Queue.Add(ObjectKeys.Of(secret));
        }
    }
}
