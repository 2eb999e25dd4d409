using System.Globalization;
using k8s.Models;
using Skiff.Client;
using Skiff.Controllers.Common;

namespace Skiff.Controllers.Jobs;

/// <summary>How a job sees its pods (upstream's job utils): the tracking finalizer, completion indexes, which pods
/// count as failed, when a pod finished, and the pod a job creates from its template.</summary>
public static class JobPods
{
    /// <summary>Kept on a job's pods until the controller has counted them (batch.kubernetes.io/job-tracking).</summary>
    public const string TrackingFinalizer = "batch.kubernetes.io/job-tracking";

    public const string CompletionIndexAnnotation = "batch.kubernetes.io/job-completion-index";

    public const string CompletionIndexLabel = "batch.kubernetes.io/job-completion-index";

    public const string CompletionIndexEnv = "JOB_COMPLETION_INDEX";

    public static bool HasTrackingFinalizer(V1Pod pod) => pod?.Metadata.Finalizers?.Contains(TrackingFinalizer) == true;

    public static bool IsIndexed(V1Job job) => job?.Spec?.CompletionMode == "Indexed";

    /// <summary>The pod's completion index, or null when absent or malformed.</summary>
    public static int? Index(V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        return pod.Metadata.Annotations?.TryGetValue(CompletionIndexAnnotation, out var text) == true
            && int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var index) ? index : null;
    }

    /// <summary>upstream's isPodFailed: phase Failed, or (unless only failed pods are replaced) being deleted before
    /// it succeeded, so that orphaned pods that never reach a phase still count.</summary>
    public static bool IsFailed(V1Pod pod, V1Job job)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(job);
        if (pod.Status?.Phase == "Failed")
        {
            return true;
        }

        if (OnlyReplaceFailed(job))
        {
            return false;
        }

        return pod.Metadata.DeletionTimestamp is not null && pod.Status?.Phase != "Succeeded";
    }

    /// <summary>podReplacementPolicy Failed (forced by a podFailurePolicy): terminating pods are not replaced yet.</summary>
    public static bool OnlyReplaceFailed(V1Job job) =>
        job?.Spec?.PodReplacementPolicy == "Failed" || job?.Spec?.PodFailurePolicy is not null;

    public static bool IsTerminating(V1Pod pod) =>
        pod.Metadata.DeletionTimestamp is not null && pod.Status?.Phase is not ("Succeeded" or "Failed");

    /// <summary>When the pod finished: its containers' last finish, else its Ready condition's change, else <paramref name="fallback"/>.</summary>
    public static DateTimeOffset FinishTime(V1Pod pod, DateTimeOffset fallback)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var finished = (pod.Status?.ContainerStatuses ?? [])
            .Select(c => c.State?.Terminated?.FinishedAt)
            .Where(t => t is not null)
            .Select(t => new DateTimeOffset(DateTime.SpecifyKind(t!.Value, DateTimeKind.Utc)))
            .ToList();
        if (finished.Count > 0)
        {
            return finished.Max();
        }

        if (PodStates.ReadyCondition(pod)?.LastTransitionTime is { } ready)
        {
            return new DateTimeOffset(DateTime.SpecifyKind(ready, DateTimeKind.Utc));
        }

        return pod.Metadata.DeletionTimestamp is { } deleted ? new DateTimeOffset(DateTime.SpecifyKind(deleted, DateTimeKind.Utc)) : fallback;
    }

    /// <summary>The pod a job creates: its template, owned by the job, with the tracking finalizer; for an Indexed job
    /// the index as annotation, label, <c>JOB_COMPLETION_INDEX</c> and hostname <c>&lt;job&gt;-&lt;index&gt;</c>.</summary>
    public static V1Pod NewPod(V1Job job, int? index)
    {
        ArgumentNullException.ThrowIfNull(job);
        var template = job.Spec.Template;
        var name = job.Metadata.Name;
        var pod = new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                GenerateName = index is { } i ? string.Create(CultureInfo.InvariantCulture, $"{name}-{i}-") : name + "-",
                NamespaceProperty = job.Metadata.NamespaceProperty,
                Labels = template?.Metadata?.Labels is { } labels ? new Dictionary<string, string>(labels) : new Dictionary<string, string>(),
                Annotations = template?.Metadata?.Annotations is { } annotations ? new Dictionary<string, string>(annotations) : null,
                Finalizers = (template?.Metadata?.Finalizers ?? []).Append(TrackingFinalizer).Distinct().ToList(),
                OwnerReferences = [ControllerRefs.For(job, "batch/v1", "Job")],
            },
            Spec = template?.Spec is { } spec ? ObjectCopy.Clone(spec) : new V1PodSpec(),
        };
        if (index is { } ix)
        {
            var text = ix.ToString(CultureInfo.InvariantCulture);
            (pod.Metadata.Annotations ??= new Dictionary<string, string>())[CompletionIndexAnnotation] = text;
            pod.Metadata.Labels[CompletionIndexLabel] = text;
            if (string.IsNullOrEmpty(pod.Spec.Hostname))
            {
                pod.Spec.Hostname = string.Create(CultureInfo.InvariantCulture, $"{name}-{ix}");
            }

            foreach (var container in (pod.Spec.InitContainers ?? []).Concat(pod.Spec.Containers ?? []))
            {
                container.Env ??= [];
                if (container.Env.All(e => e.Name != CompletionIndexEnv))
                {
                    container.Env.Add(new V1EnvVar
                    {
                        Name = CompletionIndexEnv,
                        ValueFrom = new V1EnvVarSource
                        {
                            FieldRef = new V1ObjectFieldSelector { FieldPath = $"metadata.annotations['{CompletionIndexAnnotation}']" },
                        },
                    });
                }
            }
        }

        return pod;
    }
}
