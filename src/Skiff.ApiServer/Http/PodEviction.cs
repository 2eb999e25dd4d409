using System.Globalization;
using k8s.Models;
using Skiff.Api.Selection;
using Skiff.Apimachinery;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Http;

/// <summary>
/// The PodDisruptionBudget side of pods/eviction (upstream's pkg/registry/core/pod/storage/eviction.go): a pod covered
/// by a budget is deleted only when the budget allows a disruption, which the eviction takes by decrementing
/// <c>status.disruptionsAllowed</c> under the budget's resourceVersion (a concurrent eviction makes it read again) and
/// recording the pod in <c>status.disruptedPods</c>; otherwise 429 "Cannot evict pod as it would violate the pod's
/// disruption budget." Pods that are finished, pending or being deleted pass without a budget, as do unhealthy pods
/// when the budget is already met (IfHealthyBudget) or always (AlwaysAllow).
/// </summary>
internal sealed class PodEviction(GenericRegistry registry)
{
    public const string ViolationMessage = "Cannot evict pod as it would violate the pod's disruption budget.";
    public const string DisruptionBudgetCause = "DisruptionBudget";
    public const int MaxDisruptedPods = 2000;
    private const int Attempts = 20;

    /// <summary>Checks the pod's budget and takes one disruption from it; returns the resourceVersion the pod must
    /// still have when deleted (upstream pins it when it let an unhealthy pod through), or null.</summary>
    public async Task<string?> AdmitAsync(string ns, string podName, bool dryRun, CancellationToken ct)
    {
        var budgets = registry.Index.FindKind("policy", "PodDisruptionBudget");
        var pods = registry.Index.FindKind(string.Empty, "Pod")!;
        for (var attempt = 0; ; attempt++)
        {
            var cachedPod = await registry.GetAsync(pods, ns, podName, null, ct);
            var pod = (V1Pod)cachedPod.Decode();
            if (budgets is null || pod.Status?.Phase is "Succeeded" or "Failed" or "Pending" || pod.Metadata.DeletionTimestamp is not null)
            {
                return null;
            }

            var matching = registry.Hub.For(budgets).Snapshot(budgets.StoragePrefixFor(ns), _ => true)
                .Select(o => (Cached: o, Budget: (V1PodDisruptionBudget)o.Decode()))
                .Where(b => b.Budget.Spec?.Selector is { } selector && LabelSelectors.Matches(selector, pod.Metadata.Labels))
                .ToList();
            if (matching.Count == 0)
            {
                return null;
            }

            if (matching.Count > 1)
            {
                throw StatusErrors.Internal("This pod has more than one PodDisruptionBudget, which the eviction subresource does not support.");
            }

            var pdb = matching[0].Budget;
            var podReady = pod.Status?.Conditions?.Any(c => c.Type == "Ready" && c.Status == "True") ?? false;
            if (!podReady)
            {
                var status = pdb.Status ?? new V1PodDisruptionBudgetStatus();
                if (pdb.Spec?.UnhealthyPodEvictionPolicy == "AlwaysAllow"
                    || (status.ObservedGeneration >= pdb.Metadata.Generation && status.CurrentHealthy >= status.DesiredHealthy && status.DesiredHealthy > 0))
                {
                    return cachedPod.ModRevision.ToString(CultureInfo.InvariantCulture);
                }
            }

            Check(pdb);
            if (dryRun)
            {
                return null;
            }

            try
            {
                await DecrementAsync(budgets, pdb, matching[0].Cached.ModRevision, podName, ct);
                return null;
            }
            catch (ApiException e) when (e.Status.Code == 409 && attempt < Attempts)
            {
                // Another eviction took a disruption meanwhile: judge again on the new status.
                await Task.Delay(TimeSpan.FromMilliseconds(50), ct);
            }
        }
    }

    /// <summary>Adds the DisruptionTarget condition (EvictionByEvictionAPI) to a pod about to be deleted, as upstream
    /// does; a resourceVersion precondition must hold before and is moved to the pod's new revision.</summary>
    public async Task MarkDisruptionTargetAsync(string ns, string podName, V1DeleteOptions options, CancellationToken ct)
    {
        var pods = registry.Index.FindKind(string.Empty, "Pod")!;
        var wanted = options.Preconditions?.ResourceVersion;
        var updated = await registry.GuaranteedUpdateAsync(pods, ns, podName, retryOnConflict: wanted is null, dryRun: false, (current, revision) =>
        {
            if (wanted is { Length: > 0 } && wanted != revision.ToString(CultureInfo.InvariantCulture))
            {
                throw StatusErrors.Conflict(StatusErrors.QualifiedResource(pods), podName,
                    $"Precondition failed: ResourceVersion in precondition: {wanted}, ResourceVersion in object meta: {revision}");
            }

            var old = ModelJson.Deserialize(ModelJson.Serialize(current), pods.ModelType);
            var pod = (V1Pod)current;
            pod.Status ??= new V1PodStatus();
            var conditions = pod.Status.Conditions?.Where(c => c.Type != "DisruptionTarget").ToList() ?? [];
            var existing = pod.Status.Conditions?.FirstOrDefault(c => c.Type == "DisruptionTarget");
            conditions.Add(new V1PodCondition
            {
                Type = "DisruptionTarget",
                Status = "True",
                Reason = "EvictionByEvictionAPI",
                Message = "Eviction API: evicting",
                LastTransitionTime = existing?.Status == "True" ? existing.LastTransitionTime : registry.Now.UtcDateTime,
                LastProbeTime = existing?.LastProbeTime,
            });
            pod.Status.Conditions = conditions;
            return registry.PrepareUpdate(pods, pod, old, status: true);
        }, ct);
        if (wanted is { Length: > 0 })
        {
            options.Preconditions!.ResourceVersion = updated.ModRevision.ToString(CultureInfo.InvariantCulture);
        }
    }

    /// <summary>upstream's checkAndDecrement refusals.</summary>
    private static void Check(V1PodDisruptionBudget pdb)
    {
        var status = pdb.Status ?? new V1PodDisruptionBudgetStatus();
        var name = pdb.Metadata.Name;
        if ((status.ObservedGeneration ?? 0) < (pdb.Metadata.Generation ?? 0))
        {
            throw TooManyRequests($"The disruption budget {name} is still being processed by the server.");
        }

        if (status.DisruptionsAllowed < 0)
        {
            throw StatusErrors.Forbidden("poddisruptionbudgets.policy", name, "pdb disruptions allowed is negative");
        }

        if ((status.DisruptedPods?.Count ?? 0) > MaxDisruptedPods)
        {
            throw StatusErrors.Forbidden("poddisruptionbudgets.policy", name, "DisruptedPods map too big - too many evictions not confirmed by PDB controller");
        }

        if (status.DisruptionsAllowed == 0)
        {
            throw TooManyRequests($"The disruption budget {name} needs {status.DesiredHealthy} healthy pods and has {status.CurrentHealthy} currently");
        }
    }

    private async Task DecrementAsync(ResourceDefinition budgets, V1PodDisruptionBudget read, long revision, string podName, CancellationToken ct)
    {
        await registry.GuaranteedUpdateAsync(budgets, read.Metadata.NamespaceProperty, read.Metadata.Name, retryOnConflict: false, dryRun: false, (current, currentRevision) =>
        {
            if (currentRevision != revision)
            {
                throw StatusErrors.Conflict("poddisruptionbudgets.policy", read.Metadata.Name, StatusErrors.ModifiedDetail);
            }

            var old = (V1PodDisruptionBudget)ModelJson.Deserialize(ModelJson.Serialize(current), budgets.ModelType);
            var pdb = (V1PodDisruptionBudget)current;
            pdb.Status ??= new V1PodDisruptionBudgetStatus();
            pdb.Status.DisruptionsAllowed--;
            pdb.Status.DisruptedPods ??= new Dictionary<string, DateTime?>();
            pdb.Status.DisruptedPods[podName] = registry.Now.UtcDateTime;
            return registry.PrepareUpdate(budgets, pdb, old, status: true);
        }, ct);
    }

    private static ApiException TooManyRequests(string cause)
    {
        var status = StatusErrors.Status(429, "TooManyRequests", ViolationMessage, new V1StatusDetails
        {
            Causes = [new V1StatusCause { Reason = DisruptionBudgetCause, Message = cause }],
        });
        return new ApiException(status);
    }
}
