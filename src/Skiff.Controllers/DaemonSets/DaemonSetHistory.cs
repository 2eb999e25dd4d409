using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Controllers.Common;
using Skiff.Controllers.Deployments;
using Skiff.Controllers.History;

namespace Skiff.Controllers.DaemonSets;

/// <summary>
/// A DaemonSet's ControllerRevisions (upstream's daemon/update.go constructHistory, snapshot, dedupCurHistories,
/// cleanupHistory): one revision per distinct template, named <c>ds-hash</c> and labelled
/// <c>controller-revision-hash</c>; the current template's revision gets the highest number (a rollback renumbers the
/// old revision rather than creating a new one); old revisions beyond <c>revisionHistoryLimit</c> that no pod runs go.
/// </summary>
public sealed class DaemonSetHistory(IApiClient api)
{
    /// <summary>The current revision (created, deduplicated or renumbered as needed) and the old ones.</summary>
    public async Task<(V1ControllerRevision Current, List<V1ControllerRevision> Old)> ConstructAsync(
        V1DaemonSet ds, IReadOnlyList<V1ControllerRevision> revisions, IReadOnlyList<V1Pod> pods, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ds);
        ArgumentNullException.ThrowIfNull(revisions);
        var patch = ControllerHistory.TemplatePatch(ds.Spec.Template);
        var current = new List<V1ControllerRevision>();
        var old = new List<V1ControllerRevision>();
        foreach (var revision in revisions)
        {
            (ControllerHistory.DataOf(revision) == patch ? current : old).Add(revision);
        }

        var next = ControllerHistory.MaxRevision(old) + 1;
        if (current.Count == 0)
        {
            return (await SnapshotAsync(ds, patch, next, cancellationToken), old);
        }

        var cur = await DedupAsync(current, pods, cancellationToken);
        if (cur.Revision < next)
        {
            var renumbered = ObjectCopy.Clone(cur);
            renumbered.Revision = next;
            cur = await api.UpdateAsync(renumbered, cancellationToken);
        }

        return (cur, old);
    }

    /// <summary>Deletes the oldest revisions beyond the history limit, skipping those a pod still carries.</summary>
    public async Task CleanupAsync(V1DaemonSet ds, List<V1ControllerRevision> old, IReadOnlyList<V1Pod> pods, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ds);
        ArgumentNullException.ThrowIfNull(old);
        var toKill = old.Count - (ds.Spec.RevisionHistoryLimit ?? ControllerHistory.DefaultHistoryLimit);
        if (toKill <= 0)
        {
            return;
        }

        var live = pods.Select(p => ControllerHistory.Label(p.Metadata, DaemonPods.RevisionHashLabel)).OfType<string>().ToHashSet(StringComparer.Ordinal);
        foreach (var revision in old.OrderBy(r => r.Revision ?? 0))
        {
            if (toKill <= 0)
            {
                break;
            }

            if (ControllerHistory.Label(revision.Metadata, DaemonPods.RevisionHashLabel) is { } hash && live.Contains(hash))
            {
                continue;
            }

            await DeleteAsync(revision, cancellationToken);
            toKill--;
        }
    }

    /// <summary>upstream's snapshot: a collision with another template's revision bumps status.collisionCount and
    /// fails the sync (the retry hashes with the new count).</summary>
    private async Task<V1ControllerRevision> SnapshotAsync(V1DaemonSet ds, string patch, long revision, CancellationToken cancellationToken)
    {
        var hash = DeploymentUtil.ComputeHash(ds.Spec.Template, ds.Status?.CollisionCount);
        var labels = ds.Spec.Template?.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : [];
        labels[DaemonPods.RevisionHashLabel] = hash;
        var history = ControllerHistory.New(ds.Metadata, ControllerRefs.For(ds, "apps/v1", "DaemonSet"), labels, ds.Metadata.Annotations, patch, revision);
        history.Metadata.Name = $"{ds.Metadata.Name}-{hash}";
        try
        {
            return await api.CreateAsync(history, cancellationToken);
        }
        catch (ApiException e) when (e.IsAlreadyExists)
        {
            var existing = await api.GetAsync<V1ControllerRevision>(ds.Metadata.NamespaceProperty, history.Metadata.Name, cancellationToken);
            if (existing is not null && ControllerHistory.DataOf(existing) == patch)
            {
                return existing;
            }

            var fresh = await api.GetAsync<V1DaemonSet>(ds.Metadata.NamespaceProperty, ds.Metadata.Name, cancellationToken)
                ?? throw new InvalidOperationException($"daemon set {ds.Metadata.Name} is gone");
            if (fresh.Status?.CollisionCount != ds.Status?.CollisionCount)
            {
                throw new InvalidOperationException($"found a stale collision count of DaemonSet {ds.Metadata.Name}; will retry until it is updated", e);
            }

            fresh.Status ??= new V1DaemonSetStatus();
            fresh.Status.CollisionCount = (fresh.Status.CollisionCount ?? 0) + 1;
            await api.UpdateStatusAsync(fresh, cancellationToken);
            throw;
        }
    }

    /// <summary>Several revisions with the current template: keep the newest, relabel pods to it, delete the rest.</summary>
    private async Task<V1ControllerRevision> DedupAsync(List<V1ControllerRevision> current, IReadOnlyList<V1Pod> pods, CancellationToken cancellationToken)
    {
        if (current.Count == 1)
        {
            return current[0];
        }

        var keep = current.OrderBy(r => r.Revision ?? 0).Last();
        var keepHash = ControllerHistory.Label(keep.Metadata, DaemonPods.RevisionHashLabel) ?? string.Empty;
        foreach (var pod in pods.Where(p => ControllerHistory.Label(p.Metadata, DaemonPods.RevisionHashLabel) != keepHash))
        {
            var body = new JsonObject { ["metadata"] = new JsonObject { ["labels"] = new JsonObject { [DaemonPods.RevisionHashLabel] = keepHash } } };
            await api.PatchAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, ApiPatch.Merge(body.ToJsonString()), cancellationToken);
        }

        foreach (var duplicate in current.Where(r => r.Metadata.Name != keep.Metadata.Name))
        {
            await DeleteAsync(duplicate, cancellationToken);
        }

        return keep;
    }

    private async Task DeleteAsync(V1ControllerRevision revision, CancellationToken cancellationToken)
    {
        try
        {
            await api.DeleteAsync<V1ControllerRevision>(revision.Metadata.NamespaceProperty, revision.Metadata.Name, null, cancellationToken);
        }
        catch (ApiException e) when (e.IsNotFound)
        {
        }
    }
}
