using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Informers;
using Skiff.Client.Queue;

namespace Skiff.Controllers.Jobs;

/// <summary>
/// upstream's ttl-after-finished controller: a job with <c>ttlSecondsAfterFinished</c> is deleted (background
/// propagation, so its pods follow through the garbage collector) that many seconds after its Complete or Failed
/// condition. Before deleting it reads the job fresh from the API, in case the TTL was changed or the job replaced.
/// </summary>
public sealed class TtlAfterFinishedController : IDisposable
{
    private readonly IApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SharedInformer<V1Job> _jobs;
    private readonly IHandlerRegistration _registration;

    public TtlAfterFinishedController(ComponentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _api = context.Api;
        _time = context.Time;
        _logger = context.Loggers.CreateLogger("Skiff.Controllers.TtlAfterFinished");
        _jobs = context.Informers.Get<V1Job>();
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_time), _time, "ttl-after-finished");
        _registration = _jobs.AddEventHandler(new ResourceEventHandler<V1Job>
        {
            Added = (job, _) => Enqueue(job),
            Updated = (_, job) => Enqueue(job),
        });
    }

    public WorkQueue<string> Queue { get; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await _jobs.WaitForSyncAsync(cancellationToken);
        await QueueWorkers.RunAsync(Queue, workers, SyncAsync, _logger, cancellationToken);
    }

    public void Dispose()
    {
        _registration.Dispose();
        Queue.Dispose();
    }

    public async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var cached = _jobs.Cache.GetByKey(key);
        if (cached is null || Remaining(cached) is not { } left)
        {
            return;
        }

        if (left > TimeSpan.Zero)
        {
            Queue.AddAfter(key, left);
            return;
        }

        var (ns, name) = ObjectKeys.Split(key);
        var fresh = await _api.GetAsync<V1Job>(ns, name, cancellationToken);
        if (fresh is null || fresh.Metadata.Uid != cached.Metadata.Uid || Remaining(fresh) is not { } freshLeft)
        {
            return;
        }

        if (freshLeft > TimeSpan.Zero)
        {
            Queue.AddAfter(key, freshLeft);
            return;
        }

        try
        {
            await _api.DeleteAsync<V1Job>(ns, name, new V1DeleteOptions
            {
                PropagationPolicy = "Background",
                Preconditions = new V1Preconditions { Uid = fresh.Metadata.Uid, ResourceVersion = fresh.Metadata.ResourceVersion },
            }, cancellationToken);
            _logger.LogInformation("deleted finished job {Job} after its TTL", key);
        }
        catch (ApiException e) when (e.IsNotFound)
        {
        }
    }

    /// <summary>Time left until the job expires, or null when it has no TTL, is not finished, or is being deleted.</summary>
    private TimeSpan? Remaining(V1Job job)
    {
        if (job.Spec?.TtlSecondsAfterFinished is not { } ttl || job.Metadata.DeletionTimestamp is not null
            || JobConditions.FinishedAt(job) is not { } finished)
        {
            return null;
        }

        return finished.AddSeconds(ttl) - _time.GetUtcNow();
    }

    private void Enqueue(V1Job job)
    {
        if (job.Spec?.TtlSecondsAfterFinished is not null && JobConditions.IsFinished(job) && job.Metadata.DeletionTimestamp is null)
        {
            Queue.Add(ObjectKeys.Of(job));
        }
    }
}
