using System.Globalization;
using System.Text;
using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.Api.Json;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Deployments;

/// <summary>The arithmetic and bookkeeping of upstream's deployment/util: fenceposts, revisions, annotations,
/// template hashing and conditions. Pure functions over models, unit-tested on their own.</summary>
public static class DeploymentUtil
{
    public const string RevisionAnnotation = "deployment.kubernetes.io/revision";
    public const string RevisionHistoryAnnotation = "deployment.kubernetes.io/revision-history";
    public const string DesiredReplicasAnnotation = "deployment.kubernetes.io/desired-replicas";
    public const string MaxReplicasAnnotation = "deployment.kubernetes.io/max-replicas";
    public const string PodTemplateHashLabel = "pod-template-hash";
    public const string LastAppliedAnnotation = "kubectl.kubernetes.io/last-applied-configuration";

    private static readonly HashSet<string> AnnotationsToSkip = new(StringComparer.Ordinal)
    {
        LastAppliedAnnotation, RevisionAnnotation, RevisionHistoryAnnotation, DesiredReplicasAnnotation, MaxReplicasAnnotation,
        "deprecated.deployment.rollback.to",
    };

    public static bool IsRollingUpdate(V1Deployment d) => d?.Spec?.Strategy?.Type != "Recreate";

    public static int Replicas(V1Deployment d) => d?.Spec?.Replicas ?? 1;

    public static int Replicas(V1ReplicaSet? rs) => rs?.Spec?.Replicas ?? 0;

    /// <summary>upstream's ResolveFenceposts: surge rounded up, unavailable rounded down, never both zero.</summary>
    public static (int MaxSurge, int MaxUnavailable) ResolveFenceposts(V1Deployment d)
    {
        ArgumentNullException.ThrowIfNull(d);
        var rolling = d.Spec.Strategy?.RollingUpdate;
        var replicas = Replicas(d);
        var surge = IntOrPercent.Scaled(rolling?.MaxSurge ?? "25%", replicas, roundUp: true);
        var unavailable = IntOrPercent.Scaled(rolling?.MaxUnavailable ?? "25%", replicas, roundUp: false);
        if (surge == 0 && unavailable == 0)
        {
            unavailable = 1;
        }

        return (surge, unavailable);
    }

    public static int MaxSurge(V1Deployment d) => IsRollingUpdate(d) ? ResolveFenceposts(d).MaxSurge : 0;

    public static int MaxUnavailable(V1Deployment d)
    {
        if (!IsRollingUpdate(d) || Replicas(d) == 0)
        {
            return 0;
        }

        return Math.Min(ResolveFenceposts(d).MaxUnavailable, Replicas(d));
    }

    /// <summary>The replicas the new ReplicaSet may have now (upstream's NewRSNewReplicas).</summary>
    public static int NewReplicaSetReplicas(V1Deployment d, IEnumerable<V1ReplicaSet> allReplicaSets, V1ReplicaSet newReplicaSet)
    {
        if (!IsRollingUpdate(d))
        {
            return Replicas(d);
        }

        var maxTotal = Replicas(d) + MaxSurge(d);
        var current = allReplicaSets.Sum(Replicas);
        if (current >= maxTotal)
        {
            return Replicas(newReplicaSet);
        }

        var scaleUp = Math.Min(maxTotal - current, Replicas(d) - Replicas(newReplicaSet));
        return Replicas(newReplicaSet) + scaleUp;
    }

    public static long Revision(V1ReplicaSet? rs) =>
        rs?.Metadata?.Annotations?.TryGetValue(RevisionAnnotation, out var text) == true
        && long.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var revision) ? revision : 0;

    public static long MaxRevision(IEnumerable<V1ReplicaSet> replicaSets) => replicaSets.Select(Revision).DefaultIfEmpty(0).Max();

    /// <summary>Whether two pod templates are equal once the pod-template-hash label is left out.</summary>
    public static bool EqualIgnoreHash(V1PodTemplateSpec? a, V1PodTemplateSpec? b) => TemplateJson(a) == TemplateJson(b);

    /// <summary>The pod-template-hash of a template (FNV-1a over its canonical JSON and the collision count, in the
    /// safe alphabet as upstream's rand.SafeEncodeString).</summary>
    public static string ComputeHash(V1PodTemplateSpec template, int? collisionCount)
    {
        var bytes = Encoding.UTF8.GetBytes(TemplateJson(template) + (collisionCount is { } c ? c.ToString(CultureInfo.InvariantCulture) : string.Empty));
        var hash = 2166136261u;
        foreach (var b in bytes)
        {
            hash ^= b;
            hash *= 16777619u;
        }

        return SafeEncode(hash.ToString(CultureInfo.InvariantCulture));
    }

    /// <summary>upstream's rand.SafeEncodeString: each character mapped into an alphabet without vowels.</summary>
    public static string SafeEncode(string text)
    {
        const string alphanums = "bcdfghjklmnpqrstvwxz2456789";
        var chars = text.Select(ch => alphanums[ch % alphanums.Length]).ToArray();
        return new string(chars);
    }

    private static string TemplateJson(V1PodTemplateSpec? template)
    {
        if (template is null)
        {
            return "null";
        }

        var node = JsonNode.Parse(ModelJson.Serialize(template))!.AsObject();
        if (node["metadata"]?["labels"] is JsonObject labels)
        {
            labels.Remove(PodTemplateHashLabel);
            if (labels.Count == 0)
            {
                node["metadata"]!.AsObject().Remove("labels");
            }
        }

        return Canonical(node);
    }

    /// <summary>JSON with object keys sorted and null members left out (what Go's json.Marshal of a map writes).</summary>
    public static string Canonical(JsonNode? node) => node switch
    {
        JsonObject o => "{" + string.Join(",", o.Where(p => p.Value is not null).OrderBy(p => p.Key, StringComparer.Ordinal).Select(p => $"\"{p.Key}\":{Canonical(p.Value)}")) + "}",
        JsonArray a => "[" + string.Join(",", a.Select(Canonical)) + "]",
        null => "null",
        _ => node.ToJsonString(),
    };

    /// <summary>Copies the deployment's annotations to the ReplicaSet and sets its revision (upstream's
    /// SetNewReplicaSetAnnotations); true when something changed.</summary>
    public static bool SetNewReplicaSetAnnotations(V1Deployment d, V1ReplicaSet rs, long newRevision, bool exists)
    {
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(rs);
        var annotations = rs.Metadata.Annotations ??= new Dictionary<string, string>();
        var changed = false;
        foreach (var (key, value) in d.Metadata.Annotations ?? new Dictionary<string, string>())
        {
            if (AnnotationsToSkip.Contains(key) || (annotations.TryGetValue(key, out var current) && current == value))
            {
                continue;
            }

            annotations[key] = value;
            changed = true;
        }

        var oldRevision = annotations.TryGetValue(RevisionAnnotation, out var old) ? old : string.Empty;
        long.TryParse(oldRevision, NumberStyles.Integer, CultureInfo.InvariantCulture, out var oldRevisionNumber);
        if (oldRevisionNumber < newRevision)
        {
            annotations[RevisionAnnotation] = newRevision.ToString(CultureInfo.InvariantCulture);
            changed = true;
            if (oldRevision.Length > 0)
            {
                annotations[RevisionHistoryAnnotation] = annotations.TryGetValue(RevisionHistoryAnnotation, out var history) && history.Length > 0
                    ? history + "," + oldRevision
                    : oldRevision;
            }
        }

        if (!exists && SetReplicasAnnotations(rs, Replicas(d), Replicas(d) + MaxSurge(d)))
        {
            changed = true;
        }

        return changed;
    }

    /// <summary>Records the deployment size a ReplicaSet was scaled for (used for proportional scaling).</summary>
    public static bool SetReplicasAnnotations(V1ReplicaSet rs, int desired, int max)
    {
        ArgumentNullException.ThrowIfNull(rs);
        var annotations = rs.Metadata.Annotations ??= new Dictionary<string, string>();
        var desiredText = desired.ToString(CultureInfo.InvariantCulture);
        var maxText = max.ToString(CultureInfo.InvariantCulture);
        if (annotations.TryGetValue(DesiredReplicasAnnotation, out var d) && d == desiredText
            && annotations.TryGetValue(MaxReplicasAnnotation, out var m) && m == maxText)
        {
            return false;
        }

        annotations[DesiredReplicasAnnotation] = desiredText;
        annotations[MaxReplicasAnnotation] = maxText;
        return true;
    }

    public static int? AnnotatedInt(V1ReplicaSet rs, string annotation) =>
        rs?.Metadata?.Annotations?.TryGetValue(annotation, out var text) == true
        && int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var value) ? value : null;

    /// <summary>All updated, all counted, all available, and the latest spec observed.</summary>
    public static bool IsComplete(V1Deployment d, V1DeploymentStatus status)
    {
        ArgumentNullException.ThrowIfNull(d);
        ArgumentNullException.ThrowIfNull(status);
        var replicas = Replicas(d);
        return status.UpdatedReplicas == replicas && status.Replicas == replicas && status.AvailableReplicas == replicas
            && (status.ObservedGeneration ?? 0) >= (d.Metadata.Generation ?? 0);
    }

    /// <summary>Whether the new status shows progress over the deployment's current one.</summary>
    public static bool IsProgressing(V1Deployment d, V1DeploymentStatus status)
    {
        var old = d.Status ?? new V1DeploymentStatus();
        var oldOld = (old.Replicas ?? 0) - (old.UpdatedReplicas ?? 0);
        var newOld = (status.Replicas ?? 0) - (status.UpdatedReplicas ?? 0);
        return (status.UpdatedReplicas ?? 0) > (old.UpdatedReplicas ?? 0) || newOld < oldOld
            || (status.ReadyReplicas ?? 0) > (old.ReadyReplicas ?? 0) || (status.AvailableReplicas ?? 0) > (old.AvailableReplicas ?? 0);
    }

    public static bool HasProgressDeadline(V1Deployment d) => d.Spec.ProgressDeadlineSeconds is { } s && s != int.MaxValue;

    public static V1DeploymentCondition? Condition(V1DeploymentStatus? status, string type) =>
        status?.Conditions?.FirstOrDefault(c => c.Type == type);

    /// <summary>upstream's SetDeploymentCondition: unchanged when status and reason are the same; the transition
    /// time is kept when only the reason changes.</summary>
    public static void SetCondition(V1DeploymentStatus status, V1DeploymentCondition condition)
    {
        ArgumentNullException.ThrowIfNull(status);
        ArgumentNullException.ThrowIfNull(condition);
        var current = Condition(status, condition.Type);
        if (current is not null && current.Status == condition.Status && current.Reason == condition.Reason)
        {
            return;
        }

        if (current is not null && current.Status == condition.Status)
        {
            condition.LastTransitionTime = current.LastTransitionTime;
        }

        RemoveCondition(status, condition.Type);
        status.Conditions ??= [];
        status.Conditions.Add(condition);
    }

    public static void RemoveCondition(V1DeploymentStatus status, string type)
    {
        ArgumentNullException.ThrowIfNull(status);
        status.Conditions = status.Conditions?.Where(c => c.Type != type).ToList();
    }

    public static V1DeploymentCondition NewCondition(string type, string status, string reason, string message, DateTimeOffset now) => new()
    {
        Type = type, Status = status, Reason = reason, Message = message, LastUpdateTime = now.UtcDateTime, LastTransitionTime = now.UtcDateTime,
    };
}
