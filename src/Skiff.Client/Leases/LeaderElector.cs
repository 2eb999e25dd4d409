using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;

namespace Skiff.Client.Leases;

/// <summary>
/// client-go's leader election on a Lease: try to acquire every retry period; once leading, run the leader's work
/// and renew every retry period; when renewals have failed for the renew deadline, cancel the leader's work and
/// start over as a candidate. Another candidate can only take the lease once it has not changed for a lease
/// duration, which is longer than the renew deadline: two leaders never act at once.
/// </summary>
public sealed class LeaderElector
{
    private readonly LeaderElectionConfig _config;
    private readonly IApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private V1Lease? _observed;
    private DateTimeOffset _observedAt;

    public LeaderElector(LeaderElectionConfig config, IApiClient api, TimeProvider time, ILogger logger)
    {
        ArgumentNullException.ThrowIfNull(config);
        if (config.RenewDeadline >= config.LeaseDuration)
        {
            throw new ArgumentException("the renew deadline must be shorter than the lease duration", nameof(config));
        }

        _config = config;
        _api = api;
        _time = time;
        _logger = logger;
    }

    /// <summary>True while this candidate leads.</summary>
    public bool IsLeader { get; private set; }

    /// <summary>The holder this candidate last saw.</summary>
    public string? CurrentLeader => _observed?.Spec?.HolderIdentity;

    /// <summary>
    /// Competes for the lease until cancelled. Each time this candidate becomes leader it runs
    /// <paramref name="lead"/> with a token cancelled when leadership is lost (or on shutdown), then competes again.
    /// </summary>
    public async Task RunAsync(Func<CancellationToken, Task> lead, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(lead);
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await AcquireAsync(cancellationToken);
                _logger.LogInformation("{Identity} became leader of lease {Namespace}/{Name}", _config.Identity, _config.Namespace, _config.Name);
                IsLeader = true;
                using var leading = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                var work = RunLeaderAsync(lead, leading.Token);
                await RenewUntilLostAsync(leading.Token);
                IsLeader = false;
                await leading.CancelAsync();
                await work;
                if (cancellationToken.IsCancellationRequested)
                {
                    break;
                }

                _logger.LogWarning("{Identity} lost lease {Namespace}/{Name}", _config.Identity, _config.Namespace, _config.Name);
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        finally
        {
            IsLeader = false;
        }

        if (_config.ReleaseOnCancel)
        {
            await ReleaseAsync();
        }
    }

    /// <summary>One attempt: take or renew the lease. True when this candidate holds it afterwards.</summary>
    public async Task<bool> TryAcquireOrRenewAsync(CancellationToken cancellationToken)
    {
        var now = _time.GetUtcNow();
        V1Lease? lease;
        try
        {
            lease = await _api.GetAsync<V1Lease>(_config.Namespace, _config.Name, cancellationToken);
            if (lease is null)
            {
                lease = new V1Lease { Metadata = new V1ObjectMeta { Name = _config.Name, NamespaceProperty = _config.Namespace } };
                LeaseRecord.Hold(lease, _config.Identity, _config.LeaseDuration, now);
                Observe(await _api.CreateAsync(lease, cancellationToken), now);
                return true;
            }

            if (_observed?.Metadata?.ResourceVersion != lease.Metadata?.ResourceVersion)
            {
                Observe(lease, now); // the record changed: its holder is alive as of now
            }

            if (LeaseRecord.HeldByOther(lease, _config.Identity, _observedAt, now))
            {
                return false;
            }

            LeaseRecord.Hold(lease, _config.Identity, _config.LeaseDuration, now);
            Observe(await _api.UpdateAsync(lease, cancellationToken), now);
            return true;
        }
        catch (Exception e) when (e is not OperationCanceledException)
        {
            // A conflict means another candidate wrote first; anything else is retried the same way.
            _logger.LogDebug("lease {Namespace}/{Name}: {Error}", _config.Namespace, _config.Name, e.Message);
            return false;
        }
    }

    private async Task AcquireAsync(CancellationToken cancellationToken)
    {
        while (!await TryAcquireOrRenewAsync(cancellationToken))
        {
            await Task.Delay(Jittered(_config.RetryPeriod), _time, cancellationToken);
        }
    }

    /// <summary>Renews every retry period; returns when renewals failed for the renew deadline (or on cancel).</summary>
    private async Task RenewUntilLostAsync(CancellationToken cancellationToken)
    {
        var lastRenew = _time.GetUtcNow();
        try
        {
            while (!cancellationToken.IsCancellationRequested)
            {
                await Task.Delay(_config.RetryPeriod, _time, cancellationToken);
                using var attempt = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
                attempt.CancelAfter(_config.RenewDeadline);
                bool renewed;
                try
                {
                    renewed = await TryAcquireOrRenewAsync(attempt.Token);
                }
                catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
                {
                    renewed = false;
                }

                var now = _time.GetUtcNow();
                if (renewed)
                {
                    lastRenew = now;
                }
                else if (now - lastRenew >= _config.RenewDeadline)
                {
                    return;
                }
            }
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
    }

    private async Task RunLeaderAsync(Func<CancellationToken, Task> lead, CancellationToken leading)
    {
        try
        {
            await lead(leading);
        }
        catch (OperationCanceledException) when (leading.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            _logger.LogError(e, "the leader's work of lease {Namespace}/{Name} failed", _config.Namespace, _config.Name);
        }
    }

    /// <summary>Gives the lease up (as upstream: holder cleared, a 1 s duration) so a successor takes over at once.</summary>
    private async Task ReleaseAsync()
    {
        if (_observed is not { } lease || lease.Spec?.HolderIdentity != _config.Identity)
        {
            return;
        }

        try
        {
            lease.Spec.HolderIdentity = null;
            lease.Spec.LeaseDurationSeconds = 1;
            lease.Spec.RenewTime = _time.GetUtcNow().UtcDateTime;
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(2));
            await _api.UpdateAsync(lease, timeout.Token);
        }
        catch (Exception e) when (e is ApiException or OperationCanceledException)
        {
            _logger.LogDebug("releasing lease {Namespace}/{Name} failed: {Error}", _config.Namespace, _config.Name, e.Message);
        }
    }

    private void Observe(V1Lease lease, DateTimeOffset now)
    {
        _observed = lease;
        _observedAt = now;
    }

    private static TimeSpan Jittered(TimeSpan period) => period * (1 + (Random.Shared.NextDouble() * 0.2));
}
