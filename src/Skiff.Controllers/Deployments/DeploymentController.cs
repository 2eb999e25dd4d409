using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Api.Selection;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;
using Skiff.Client.Informers;
using Skiff.Client.Queue;
using Skiff.Controllers.Common;
using static Skiff.Controllers.Deployments.DeploymentUtil;

namespace Skiff.Controllers.Deployments;

/// <summary>
/// The Deployment controller (upstream's pkg/controller/deployment): one ReplicaSet per pod template (named by its
/// pod-template-hash), rolled out by RollingUpdate within maxSurge/maxUnavailable or by Recreate, proportional scaling
/// while a rollout is under way, revisions and revisionHistoryLimit, paused deployments, and the Available and
/// Progressing conditions (ProgressDeadlineExceeded after progressDeadlineSeconds) that <c>kubectl rollout status</c>
/// reads.
/// </summary>
public sealed partial class DeploymentController : IDisposable
{
    private const string Kind = "Deployment";
    private const string ApiVersion = "apps/v1";

    private readonly IApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly IEventRecorder _events;
    private readonly SharedInformer<V1Deployment> _deployments;
    private readonly SharedInformer<V1ReplicaSet> _replicaSets;
    private readonly SharedInformer<V1Pod> _pods;
    private readonly List<IHandlerRegistration> _registrations = [];

    public DeploymentController(ComponentContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        _api = context.Api;
        _time = context.Time;
        _logger = context.Loggers.CreateLogger("Skiff.Controllers.Deployment");
        _events = context.Events.NewRecorder("deployment-controller");
        _deployments = context.Informers.Get<V1Deployment>();
        _replicaSets = context.Informers.Get<V1ReplicaSet>();
        _pods = context.Informers.Get<V1Pod>();
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(_time), _time, "deployment");
        _registrations.Add(_deployments.AddEventHandler(ResourceEventHandler<V1Deployment>.ForAny(d => Queue.Add(ObjectKeys.Of(d)))));
        _registrations.Add(_replicaSets.AddEventHandler(new ResourceEventHandler<V1ReplicaSet>
        {
            Added = (rs, _) => OnReplicaSet(rs),
            Updated = (old, rs) =>
            {
                if (ControllerRefs.ControllerOf(old.Metadata)?.Uid != ControllerRefs.ControllerOf(rs.Metadata)?.Uid)
                {
                    OnReplicaSet(old);
                }

                OnReplicaSet(rs);
            },
            Deleted = (rs, _) => OnReplicaSet(rs),
        }));
        _registrations.Add(_pods.AddEventHandler(new ResourceEventHandler<V1Pod> { Deleted = (pod, _) => OnPodDeleted(pod) }));
    }

    public WorkQueue<string> Queue { get; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await Task.WhenAll(
            _deployments.WaitForSyncAsync(cancellationToken), _replicaSets.WaitForSyncAsync(cancellationToken), _pods.WaitForSyncAsync(cancellationToken));
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
        var cached = _deployments.Cache.GetByKey(key);
        if (cached is null)
        {
            return;
        }

        var d = ObjectCopy.Clone(cached);
        if (d.Spec.Selector is null || LabelSelectors.IsEmpty(d.Spec.Selector))
        {
            _events.Event(d, EventTypes.Warning, "SelectingAll", "This deployment is selecting all pods. A non-empty selector is required.");
            if ((d.Status?.ObservedGeneration ?? 0) < (d.Metadata.Generation ?? 0))
            {
                d.Status ??= new V1DeploymentStatus();
                d.Status.ObservedGeneration = d.Metadata.Generation;
                await _api.UpdateStatusAsync(d, cancellationToken);
            }

            return;
        }

        var candidates = _replicaSets.Cache.List(d.Metadata.NamespaceProperty);
        var rsList = await OwnershipPatches.ClaimAsync(
            _api, d, ControllerRefs.For(d, ApiVersion, Kind), candidates, rs => LabelSelectors.Matches(d.Spec.Selector, rs.Metadata.Labels), cancellationToken);

        // Cache objects are shared; this sync changes its view of sizes as it writes them.
        rsList = rsList.Select(ObjectCopy.Clone).ToList();

        if (d.Metadata.DeletionTimestamp is not null)
        {
            var (newRs, oldRss) = await ReplicaSetsAndSyncRevisionAsync(d, rsList, create: false, cancellationToken);
            await SyncStatusOnlyAsync(d, newRs, oldRss, cancellationToken);
            return;
        }

        await CheckPausedConditionsAsync(d, cancellationToken);
        if (d.Spec.Paused == true || await IsScalingEventAsync(d, rsList, cancellationToken))
        {
            await SyncScaleAsync(d, rsList, cancellationToken);
            return;
        }

        if (IsRollingUpdate(d))
        {
            await RolloutRollingAsync(d, rsList, cancellationToken);
        }
        else
        {
            await RolloutRecreateAsync(d, rsList, cancellationToken);
        }
    }

    // ------------------------------------------------------------------ new and old ReplicaSets, revisions

    private async Task<(V1ReplicaSet? New, List<V1ReplicaSet> Old)> ReplicaSetsAndSyncRevisionAsync(
        V1Deployment d, List<V1ReplicaSet> rsList, bool create, CancellationToken cancellationToken)
    {
        var existing = rsList.OrderBy(rs => rs.Metadata.CreationTimestamp).ThenBy(rs => rs.Metadata.Name, StringComparer.Ordinal)
            .FirstOrDefault(rs => EqualIgnoreHash(rs.Spec.Template, d.Spec.Template));
        var old = rsList.Where(rs => !ReferenceEquals(rs, existing)).ToList();
        var newRs = await NewReplicaSetAsync(d, existing, old, create, cancellationToken);
        return (newRs, old);
    }

    private async Task<V1ReplicaSet?> NewReplicaSetAsync(V1Deployment d, V1ReplicaSet? existing, List<V1ReplicaSet> old, bool create, CancellationToken cancellationToken)
    {
        var newRevision = MaxRevision(old) + 1;
        var now = _time.GetUtcNow();
        if (existing is not null)
        {
            var copy = ObjectCopy.Clone(existing);
            var annotationsChanged = SetNewReplicaSetAnnotations(d, copy, newRevision, exists: true);
            if (annotationsChanged || (copy.Spec.MinReadySeconds ?? 0) != (d.Spec.MinReadySeconds ?? 0))
            {
                copy.Spec.MinReadySeconds = d.Spec.MinReadySeconds;
                copy = await _api.UpdateAsync(copy, cancellationToken);

                // rsList holds this sync's own copies: later steps of the sync write on top of this one.
                existing.Metadata = copy.Metadata;
                existing.Spec = copy.Spec;
            }

            var revision = (copy.Metadata.Annotations is { } a && a.TryGetValue(RevisionAnnotation, out var r) ? r : string.Empty);
            await SetDeploymentRevisionAsync(d, revision, cancellationToken);
            if (HasProgressDeadline(d) && Condition(d.Status, "Progressing") is null)
            {
                d.Status ??= new V1DeploymentStatus();
                SetCondition(d.Status, NewCondition("Progressing", "True", "FoundNewReplicaSet", $"Found new replica set \"{copy.Metadata.Name}\"", now));
                await WriteStatusAsync(d, cancellationToken);
            }

            return copy;
        }

        if (!create)
        {
            return null;
        }

        var template = ObjectCopy.Clone(d.Spec.Template);
        var hash = ComputeHash(d.Spec.Template, d.Status?.CollisionCount);
        template.Metadata ??= new V1ObjectMeta();
        template.Metadata.Labels = new Dictionary<string, string>(template.Metadata.Labels ?? new Dictionary<string, string>()) { [PodTemplateHashLabel] = hash };
        var selector = ObjectCopy.Clone(d.Spec.Selector);
        selector.MatchLabels = new Dictionary<string, string>(selector.MatchLabels ?? new Dictionary<string, string>()) { [PodTemplateHashLabel] = hash };
        var rs = new V1ReplicaSet
        {
            ApiVersion = ApiVersion,
            Kind = "ReplicaSet",
            Metadata = new V1ObjectMeta
            {
                Name = $"{d.Metadata.Name}-{hash}",
                NamespaceProperty = d.Metadata.NamespaceProperty,
                Labels = new Dictionary<string, string>(template.Metadata.Labels),
                OwnerReferences = [ControllerRefs.For(d, ApiVersion, Kind)],
            },
            Spec = new V1ReplicaSetSpec { Replicas = 0, MinReadySeconds = d.Spec.MinReadySeconds, Selector = selector, Template = template },
        };
        rs.Spec.Replicas = NewReplicaSetReplicas(d, old.Append(rs), rs);
        SetNewReplicaSetAnnotations(d, rs, newRevision, exists: false);

        V1ReplicaSet created;
        try
        {
            created = await _api.CreateAsync(rs, cancellationToken);
        }
        catch (ApiException e) when (e.IsAlreadyExists)
        {
            // Most often this controller's own ReplicaSet of an earlier sync that the cache has not shown yet (which
            // is why it was created again): read it from the API then, rather than take it for a collision and make
            // a second ReplicaSet (and its pods) under another name.
            var clash = _replicaSets.Cache.Get(rs.Metadata.NamespaceProperty, rs.Metadata.Name)
                ?? await _api.GetAsync<V1ReplicaSet>(rs.Metadata.NamespaceProperty, rs.Metadata.Name, cancellationToken);
            if (clash is null)
            {
                throw; // gone again meanwhile: the next sync sees what is there
            }

            if (ControllerRefs.ControllerOf(clash.Metadata)?.Uid == d.Metadata.Uid && EqualIgnoreHash(clash.Spec.Template, d.Spec.Template))
            {
                return clash;
            }

            // A hash collision: bump collisionCount so the next sync names the ReplicaSet differently.
            d.Status ??= new V1DeploymentStatus();
            d.Status.CollisionCount = (d.Status.CollisionCount ?? 0) + 1;
            await WriteStatusAsync(d, cancellationToken);
            throw;
        }
        catch (ApiException e)
        {
            if (HasProgressDeadline(d))
            {
                d.Status ??= new V1DeploymentStatus();
                SetCondition(d.Status, NewCondition("Progressing", "False", "FailedRSCreate", $"Failed to create new replica set \"{rs.Metadata.Name}\": {e.Message}", now));
                await WriteStatusAsync(d, cancellationToken);
            }

            throw;
        }

        if (Replicas(created) > 0)
        {
            _events.Event(d, EventTypes.Normal, "ScalingReplicaSet", $"Scaled up replica set {created.Metadata.Name} from 0 to {Replicas(created)}");
        }

        await SetDeploymentRevisionAsync(d, newRevision.ToString(System.Globalization.CultureInfo.InvariantCulture), cancellationToken);
        if (HasProgressDeadline(d))
        {
            d.Status ??= new V1DeploymentStatus();
            SetCondition(d.Status, NewCondition("Progressing", "True", "NewReplicaSetCreated", $"Created new replica set \"{created.Metadata.Name}\"", now));
            await WriteStatusAsync(d, cancellationToken);
        }

        return created;
    }

    /// <summary>The deployment carries the revision of its newest ReplicaSet in an annotation (metadata, not status:
    /// written with a merge patch).</summary>
    private async Task SetDeploymentRevisionAsync(V1Deployment d, string revision, CancellationToken cancellationToken)
    {
        if (revision.Length == 0 || (d.Metadata.Annotations is { } a && a.TryGetValue(RevisionAnnotation, out var current) && current == revision))
        {
            return;
        }

        var body = new JsonObject { ["metadata"] = new JsonObject { ["annotations"] = new JsonObject { [RevisionAnnotation] = revision } } };
        var patched = await _api.PatchAsync<V1Deployment>(d.Metadata.NamespaceProperty, d.Metadata.Name, ApiPatch.Merge(body.ToJsonString()), cancellationToken);
        d.Metadata.Annotations = patched.Metadata.Annotations;
        d.Metadata.ResourceVersion = patched.Metadata.ResourceVersion;
    }

    private async Task WriteStatusAsync(V1Deployment d, CancellationToken cancellationToken)
    {
        var written = await _api.UpdateStatusAsync(d, cancellationToken);
        d.Metadata.ResourceVersion = written.Metadata.ResourceVersion;
        d.Status = written.Status;
    }

    // ------------------------------------------------------------------ scaling

    private async Task<bool> ScaleReplicaSetAsync(V1ReplicaSet rs, int newScale, V1Deployment d, CancellationToken cancellationToken)
    {
        var copy = ObjectCopy.Clone(rs);
        var from = Replicas(rs);
        var sizeChanged = from != newScale;
        var annotationsChanged = SetReplicasAnnotations(copy, Replicas(d), Replicas(d) + MaxSurge(d));
        if (!sizeChanged && !annotationsChanged)
        {
            return false;
        }

        copy.Spec.Replicas = newScale;
        var written = await _api.UpdateAsync(copy, cancellationToken);

        // Later steps of this sync reason about the written sizes.
        rs.Spec.Replicas = written.Spec.Replicas;
        rs.Metadata.ResourceVersion = written.Metadata.ResourceVersion;
        rs.Metadata.Annotations = written.Metadata.Annotations;
        if (sizeChanged)
        {
            var operation = newScale > from ? "up" : "down";
            _events.Event(d, EventTypes.Normal, "ScalingReplicaSet", $"Scaled {operation} replica set {rs.Metadata.Name} from {from} to {newScale}");
        }

        return sizeChanged;
    }
}
