using System.Collections.Concurrent;
using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Api.Json;
using Skiff.Api.Selection;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Informers;
using Skiff.Client.Queue;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Jobs;

/// <summary>
/// The Job controller (upstream's pkg/controller/job): runs pods from the job's template until enough succeed
/// (completions, parallelism, NonIndexed or Indexed), or the job fails (backoffLimit, activeDeadlineSeconds,
/// podFailurePolicy). Pods carry the <see cref="JobPods.TrackingFinalizer"/>: a finished pod is first recorded in
/// <c>status.uncountedTerminatedPods</c>, then its finalizer is removed, then it moves into succeeded/failed, so no pod
/// is counted twice or lost. Like v1.32, a failing or succeeding job first gets FailureTarget / SuccessCriteriaMet and
/// only gets Failed / Complete once its pods are gone.
/// </summary>
public sealed partial class JobController : IDisposable
{
    /// <summary>upstream's MaxPodCreateDeletePerSync.</summary>
    public const int MaxPodCreateDeletePerSync = 500;

    private const string OrphanPrefix = "pod:";

    private readonly IApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IEventRecorder _events;
    private readonly SharedInformer<V1Job> _jobs;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly List<IHandlerRegistration> _registrations = [];

    public JobController(ComponentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _api = context.Api;
        _time = context.Time;
        _logger = context.Loggers.CreateLogger("Skiff.Controllers.Job");
        _events = context.Events.NewRecorder("job-controller");
        _jobs = context.Informers.Get<V1Job>();
        _pods = context.Informers.Get<V1Pod>();
        Expectations = new ControllerExpectations(_time);
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_time), _time, "job");
        _registrations.Add(_jobs.AddEventHandler(new ResourceEventHandler<V1Job>
        {
            Added = (job, _) => Enqueue(job),
            Updated = (_, job) => Enqueue(job),
            Deleted = (job, _) =>
            {
                var key = ObjectKeys.Of(job);
                Expectations.Delete(key);
                Backoff.Forget(key);
                Enqueue(job);
            },
        }));
        _registrations.Add(_pods.AddEventHandler(new ResourceEventHandler<V1Pod>
        {
            Added = (pod, _) => OnPod(null, pod),
            Updated = OnPod,
            Deleted = (pod, _) => OnPodDeleted(pod),
        }));
    }

    public WorkQueue<string> Queue { get; }

    public ControllerExpectations Expectations { get; }

    public JobBackoff Backoff { get; } = new();

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(_jobs.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken));
        await QueueWorkers.RunAsync(Queue, workers, SyncAsync, _logger, cancellationToken);
    }

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        Queue.Dispose();
    }

    public async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        if (key.StartsWith(OrphanPrefix, StringComparison.Ordinal))
        {
            await ReleaseOrphanAsync(key[OrphanPrefix.Length..], cancellationToken);
            return;
        }

        var job = _jobs.Cache.GetByKey(key);
        if (job is null)
        {
            Expectations.Delete(key);
            Backoff.Forget(key);
            return;
        }

        var satisfied = Expectations.Satisfied(key);
        var candidates = _pods.Cache.List(job.Metadata.NamespaceProperty);
        var pods = await OwnershipPatches.ClaimAsync(
            _api, job, ControllerRefs.For(job, "batch/v1", "Job"), candidates, p => LabelSelectors.Matches(job.Spec.Selector, p.Metadata.Labels), cancellationToken);

        if (JobConditions.IsFinished(job) || job.Metadata.DeletionTimestamp is not null)
        {
            // Nothing more to count: let every pod go (a deleted job's pods are then collected).
            await RemoveFinalizersAsync(pods.Where(JobPods.HasTrackingFinalizer), cancellationToken);
            return;
        }

        await SyncActiveJobAsync(key, job, pods, satisfied, cancellationToken);
    }

    private void Enqueue(V1Job job) => Queue.Add(ObjectKeys.Of(job));

    private V1Job? OwnerOf(V1Pod pod) =>
        ControllerRefs.ResolveController(pod.Metadata, "Job", (ns, name) => _jobs.Cache.Get(ns, name));

    private void OnPod(V1Pod? old, V1Pod pod)
    {
        if (old is not null && old.Metadata.ResourceVersion == pod.Metadata.ResourceVersion)
        {
            return;
        }

        var job = OwnerOf(pod);
        if (job is null)
        {
            if (JobPods.HasTrackingFinalizer(pod))
            {
                Queue.Add(OrphanPrefix + ObjectKeys.Of(pod));
            }

            if (ControllerRefs.ControllerOf(pod.Metadata) is null)
            {
                EnqueueMatching(pod);
            }

            return;
        }

        var key = ObjectKeys.Of(job);
        if (old is null)
        {
            Expectations.CreationObserved(key);
        }

        if (pod.Metadata.DeletionTimestamp is not null)
        {
            Expectations.DeletionObserved(key, ObjectKeys.Of(pod));
        }

        var oldOwner = old is null ? null : OwnerOf(old);
        if (oldOwner is not null && oldOwner.Metadata.Uid != job.Metadata.Uid)
        {
            Enqueue(oldOwner);
        }

        Enqueue(job);
    }

    private void OnPodDeleted(V1Pod pod)
    {
        if (OwnerOf(pod) is { } job)
        {
            var key = ObjectKeys.Of(job);
            Expectations.DeletionObserved(key, ObjectKeys.Of(pod));
            Enqueue(job);
        }
    }

    private void EnqueueMatching(V1Pod pod)
    {
        foreach (var job in _jobs.Cache.List(pod.Metadata.NamespaceProperty))
        {
            if (LabelSelectors.Matches(job.Spec?.Selector, pod.Metadata.Labels))
            {
                Enqueue(job);
            }
        }
    }

    /// <summary>A pod with the tracking finalizer whose job is gone (or that lost its controller) is let go.</summary>
    private async Task ReleaseOrphanAsync(string podKey, CancellationToken cancellationToken)
    {
        var pod = _pods.Cache.GetByKey(podKey);
        if (pod is null || !JobPods.HasTrackingFinalizer(pod))
        {
            return;
        }

        if (ControllerRefs.ControllerOf(pod.Metadata) is { Kind: "Job" } reference)
        {
            // The cache may lag behind a job created just now: ask the API before letting the pod go.
            var job = await _api.GetAsync<V1Job>(pod.Metadata.NamespaceProperty, reference.Name, cancellationToken);
            if (job?.Metadata.Uid == reference.Uid && job.Metadata.DeletionTimestamp is null && !JobConditions.IsFinished(job))
            {
                return;
            }
        }

        await RemoveFinalizersAsync([pod], cancellationToken);
    }

    /// <summary>Removes the tracking finalizer from <paramref name="pods"/>; returns the uids it succeeded for (or
    /// that are gone already).</summary>
    private async Task<HashSet<string>> RemoveFinalizersAsync(IEnumerable<V1Pod> pods, CancellationToken cancellationToken)
    {
        var removed = new ConcurrentBag<string>();
        var errors = new ConcurrentBag<Exception>();
        await Parallel.ForEachAsync(pods, new ParallelOptions { MaxDegreeOfParallelism = 8, CancellationToken = cancellationToken }, async (pod, ct) =>
        {
            var rest = (pod.Metadata.Finalizers ?? []).Where(f => f != JobPods.TrackingFinalizer).ToList();
            var body = new JsonObject
            {
                ["metadata"] = new JsonObject
                {
                    ["uid"] = pod.Metadata.Uid,
                    ["finalizers"] = rest.Count == 0 ? null : JsonNode.Parse(ModelJson.Serialize(rest)),
                },
            };
            try
            {
                await _api.PatchAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, ApiPatch.Merge(body.ToJsonString()), ct);
                removed.Add(pod.Metadata.Uid);
            }
            catch (ApiException e) when (e.IsNotFound)
            {
                removed.Add(pod.Metadata.Uid);
            }
            catch (ApiException e)
            {
                errors.Add(e);
            }
        });
        if (!errors.IsEmpty)
        {
            throw errors.First();
        }

        return removed.ToHashSet(StringComparer.Ordinal);
    }
}
