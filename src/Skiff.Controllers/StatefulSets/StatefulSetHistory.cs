using k8s.Models;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Controllers.Common;
using Skiff.Controllers.History;

namespace Skiff.Controllers.StatefulSets;

/// <summary>
/// A StatefulSet's ControllerRevisions (upstream's getStatefulSetRevisions and truncateHistory): the update revision
/// is the revision holding the current template (created, or an equal older one renumbered on rollback); the current
/// revision is the one <c>status.currentRevision</c> names. Names are <c>set-hash</c> with upstream's
/// HashControllerRevision; a name taken by other data bumps the collision count.
/// </summary>
public sealed class StatefulSetHistory(IApiClient api)
{
    public sealed record Revisions(V1ControllerRevision Current, V1ControllerRevision Update, int CollisionCount);

    public async Task<Revisions> ResolveAsync(V1StatefulSet set, IReadOnlyList<V1ControllerRevision> owned, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        var revisions = ControllerHistory.Sorted(owned);
        var collisionCount = set.Status?.CollisionCount ?? 0;
        var data = ControllerHistory.TemplatePatch(set.Spec.Template);
        var next = ControllerHistory.MaxRevision(revisions) + 1;
        var equal = revisions.Where(r => ControllerHistory.DataOf(r) == data).ToList();
        V1ControllerRevision update;
        if (equal.Count > 0 && ControllerHistory.DataOf(revisions[^1]) == data)
        {
            update = revisions[^1]; // the template has not changed
        }
        else if (equal.Count > 0)
        {
            // A rollback to an older template: that revision becomes the newest.
            var renumbered = ObjectCopy.Clone(equal[^1]);
            renumbered.Revision = next;
            update = await api.UpdateAsync(renumbered, cancellationToken);
        }
        else
        {
            (update, collisionCount) = await CreateAsync(set, data, next, collisionCount, cancellationToken);
        }

        var current = revisions.FirstOrDefault(r => r.Metadata.Name == set.Status?.CurrentRevision) ?? update;
        return new Revisions(current, update, collisionCount);
    }

    /// <summary>Deletes the oldest revisions beyond <c>revisionHistoryLimit</c> that are neither current, update, nor
    /// carried by a pod.</summary>
    public async Task TruncateAsync(V1StatefulSet set, IReadOnlyList<V1Pod> pods, IReadOnlyList<V1ControllerRevision> owned, Revisions live, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(live);
        var liveNames = pods.Select(StatefulPods.Revision).OfType<string>().ToHashSet(StringComparer.Ordinal);
        liveNames.Add(live.Current.Metadata.Name);
        liveNames.Add(live.Update.Metadata.Name);
        var history = ControllerHistory.Sorted(owned).Where(r => !liveNames.Contains(r.Metadata.Name)).ToList();
        var limit = set.Spec.RevisionHistoryLimit ?? ControllerHistory.DefaultHistoryLimit;
        foreach (var revision in history.Take(Math.Max(0, history.Count - limit)))
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

    /// <summary>upstream's CreateControllerRevision: on a name taken by other data, count a collision and rehash.</summary>
    private async Task<(V1ControllerRevision Created, int CollisionCount)> CreateAsync(
        V1StatefulSet set, string data, long revision, int collisionCount, CancellationToken cancellationToken)
    {
        var history = ControllerHistory.New(
            set.Metadata, ControllerRefs.For(set, "apps/v1", "StatefulSet"), set.Spec.Template?.Metadata?.Labels, set.Metadata.Annotations, data, revision);
        while (true)
        {
            var hash = ControllerHistory.Hash(data, collisionCount);
            history.Metadata.Name = ControllerHistory.Name(set.Metadata.Name, hash);
            history.Metadata.Labels[ControllerHistory.HashLabel] = hash;
            try
            {
                return (await api.CreateAsync(history, cancellationToken), collisionCount);
            }
            catch (ApiException e) when (e.IsAlreadyExists)
            {
                var existing = await api.GetAsync<V1ControllerRevision>(set.Metadata.NamespaceProperty, history.Metadata.Name, cancellationToken);
                if (existing is not null && ControllerHistory.DataOf(existing) == data)
                {
                    return (existing, collisionCount);
                }

                collisionCount++;
            }
        }
    }
}
