using System.Globalization;
using k8s.Models;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;

namespace Skiff.Controllers.StatefulSets;

/// <summary>
/// A StatefulSet's volumeClaimTemplates (upstream's stateful_pod_control createPersistentVolumeClaims and
/// updateClaimOwnerRefForSetAndPod): each pod ordinal gets the claims <c>&lt;template&gt;-&lt;set&gt;-&lt;ordinal&gt;</c>,
/// labelled with the set's selector labels, created before the pod and never re-created while they exist; the pod's
/// volume of the template's name points at its claim. persistentVolumeClaimRetentionPolicy decides the claims' owner
/// references so that the garbage collector removes them: whenDeleted Delete → owned by the set, whenScaled Delete → a
/// claim of a pod scaled away is owned by that pod; Retain (the default) → neither. Binding claims to volumes is not
/// this controller's job (a provisioner or the volume binder does it; until then claims stay Pending).
/// </summary>
public sealed class StatefulClaims
{
    private const string Delete = "Delete";

    private readonly IApiClient _api;
    private readonly IReadOnlyCache<V1PersistentVolumeClaim> _claims;
    private readonly IEventRecorder _events;

    public StatefulClaims(IApiClient api, IReadOnlyCache<V1PersistentVolumeClaim> claims, IEventRecorder events)
    {
        _api = api;
        _claims = claims;
        _events = events;
    }

    public static string Name(string template, V1StatefulSet set, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(set);
        return $"{template}-{set.Metadata.Name}-{ordinal.ToString(CultureInfo.InvariantCulture)}";
    }

    /// <summary>getPersistentVolumeClaims: the claims of one ordinal, in template order.</summary>
    public static IReadOnlyList<(string Template, V1PersistentVolumeClaim Claim)> For(V1StatefulSet set, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(set);
        var templates = set.Spec.VolumeClaimTemplates ?? [];
        var claims = new List<(string, V1PersistentVolumeClaim)>(templates.Count);
        foreach (var template in templates)
        {
            var templateName = template.Metadata?.Name ?? string.Empty;
            var labels = template.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : [];
            foreach (var (key, value) in set.Spec.Selector?.MatchLabels ?? new Dictionary<string, string>())
            {
                labels[key] = value;
            }

            claims.Add((templateName, new V1PersistentVolumeClaim
            {
                ApiVersion = "v1",
                Kind = "PersistentVolumeClaim",
                Metadata = new V1ObjectMeta
                {
                    Name = Name(templateName, set, ordinal),
                    NamespaceProperty = set.Metadata.NamespaceProperty,
                    Labels = labels,
                    Annotations = template.Metadata?.Annotations is { } a ? new Dictionary<string, string>(a) : null,
                },
                Spec = template.Spec is { } spec ? ObjectCopy.Clone(spec) : new V1PersistentVolumeClaimSpec(),
            }));
        }

        return claims;
    }

    /// <summary>updateStorage: the pod's volumes named after the templates point at its claims; its other volumes stay.</summary>
    public static void AddVolumes(V1PodSpec spec, V1StatefulSet set, int ordinal)
    {
        ArgumentNullException.ThrowIfNull(spec);
        var claims = For(set, ordinal);
        if (claims.Count == 0)
        {
            return;
        }

        var volumes = claims
            .Select(c => new V1Volume { Name = c.Template, PersistentVolumeClaim = new V1PersistentVolumeClaimVolumeSource { ClaimName = c.Claim.Metadata.Name } })
            .ToList();
        volumes.AddRange((spec.Volumes ?? []).Where(v => claims.All(c => c.Template != v.Name)));
        spec.Volumes = volumes;
    }

    /// <summary>
    /// createPersistentVolumeClaims: creates the claims of <paramref name="pod"/> that do not exist, each with an
    /// event; throws when one could not be created or is being deleted, so the pod is not created this round.
    /// </summary>
    public async Task CreateMissingAsync(V1StatefulSet set, V1Pod pod, int ordinal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(pod);
        var errors = new List<string>();
        foreach (var (_, claim) in For(set, ordinal))
        {
            var existing = _claims.Get(claim.Metadata.NamespaceProperty, claim.Metadata.Name);
            if (existing is not null)
            {
                if (existing.Metadata.DeletionTimestamp is not null)
                {
                    errors.Add($"pvc {claim.Metadata.Name} is being deleted");
                }

                continue;
            }

            // The claim of a pod in range is owned by the set when whenDeleted is Delete (upstream creates it bare and
            // sets the reference right after the pod; the end state is the same).
            if (OwnedBySet(set, inRange: true))
            {
                claim.Metadata.OwnerReferences = [SetReference(set)];
            }

            try
            {
                await _api.CreateAsync(claim, cancellationToken);
                _events.Event(set, EventTypes.Normal, "SuccessfulCreate", $"create Claim {claim.Metadata.Name} Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} success");
            }
            catch (ApiException e) when (e.IsAlreadyExists)
            {
                // The cache had not seen it yet: it exists, which is all the pod needs.
            }
            catch (ApiException e)
            {
                var message = $"failed to create PVC {claim.Metadata.Name}: {e.Message}";
                errors.Add(message);
                _events.Event(set, EventTypes.Warning, "FailedCreate", $"create Claim {claim.Metadata.Name} for Pod {pod.Metadata.Name} in StatefulSet {set.Metadata.Name} failed error: {message}");
            }
        }

        if (errors.Count > 0)
        {
            throw new StatefulClaimsException(errors.Count == 1 ? errors[0] : "[" + string.Join(", ", errors) + "]");
        }
    }

    /// <summary>UpdatePodClaimForRetentionPolicy: the owner references of one pod's existing claims as the policy wants them.</summary>
    public async Task ApplyRetentionAsync(V1StatefulSet set, V1Pod pod, int ordinal, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(set);
        ArgumentNullException.ThrowIfNull(pod);
        var replicas = set.Spec.Replicas ?? 1;
        var start = set.Spec.Ordinals?.Start ?? 0;
        var inRange = ordinal >= start && ordinal < start + replicas;
        var wantSet = OwnedBySet(set, inRange);
        var wantPod = !inRange && Policy(set).WhenScaled == Delete;
        foreach (var (_, template) in For(set, ordinal))
        {
            var claim = _claims.Get(template.Metadata.NamespaceProperty, template.Metadata.Name);
            if (claim is null || claim.Metadata.DeletionTimestamp is not null)
            {
                continue;
            }

            var references = claim.Metadata.OwnerReferences?.ToList() ?? [];
            var changed = Apply(references, SetReference(set), wantSet) | Apply(references, PodReference(pod), wantPod);
            if (!changed)
            {
                continue;
            }

            var copy = ObjectCopy.Clone(claim);
            copy.Metadata.OwnerReferences = references.Count == 0 ? null : references;
            try
            {
                await _api.UpdateAsync(copy, cancellationToken);
            }
            catch (ApiException e) when (e.IsNotFound || e.IsConflict)
            {
                // Gone, or changed under us: the next sync looks again.
            }
        }
    }

    private static bool OwnedBySet(V1StatefulSet set, bool inRange)
    {
        var policy = Policy(set);
        return policy.WhenDeleted == Delete && (inRange || policy.WhenScaled != Delete);
    }

    private static V1StatefulSetPersistentVolumeClaimRetentionPolicy Policy(V1StatefulSet set) =>
        set.Spec.PersistentVolumeClaimRetentionPolicy ?? new V1StatefulSetPersistentVolumeClaimRetentionPolicy { WhenDeleted = "Retain", WhenScaled = "Retain" };

    // Plain owner references, as upstream's setOwnerRef: not controller references.
    private static V1OwnerReference SetReference(V1StatefulSet set) =>
        new() { ApiVersion = "apps/v1", Kind = "StatefulSet", Name = set.Metadata.Name, Uid = set.Metadata.Uid };

    private static V1OwnerReference PodReference(V1Pod pod) =>
        new() { ApiVersion = "v1", Kind = "Pod", Name = pod.Metadata.Name, Uid = pod.Metadata.Uid };

    /// <summary>Adds or removes the reference (matched by uid); true when the list changed.</summary>
    private static bool Apply(List<V1OwnerReference> references, V1OwnerReference reference, bool wanted)
    {
        var present = references.FindIndex(r => r.Uid == reference.Uid);
        if (wanted && present < 0 && !string.IsNullOrEmpty(reference.Uid))
        {
            references.Add(reference);
            return true;
        }

        if (!wanted && present >= 0)
        {
            references.RemoveAt(present);
            return true;
        }

        return false;
    }
}
