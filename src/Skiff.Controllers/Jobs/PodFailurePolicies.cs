using System.Globalization;
using k8s.Models;

namespace Skiff.Controllers.Jobs;

/// <summary>What a job's <c>podFailurePolicy</c> says about one failed pod.</summary>
/// <param name="Action">FailJob, Ignore, Count (or FailIndex), or null when no rule matched (count it).</param>
/// <param name="Message">For FailJob: the condition message upstream writes.</param>
public sealed record PodFailureVerdict(string? Action, string? Message);

/// <summary>
/// upstream's matchPodFailurePolicy: the first rule whose <c>onExitCodes</c> (a non-zero exit code of a terminated
/// container, In or NotIn the values) or <c>onPodConditions</c> (a pod condition of that type and status) matches a
/// failed pod decides its fate.
/// </summary>
public static class PodFailurePolicies
{
    public static PodFailureVerdict Match(V1PodFailurePolicy? policy, V1Pod pod)
    {
        ArgumentNullException.ThrowIfNull(pod);
        if (policy?.Rules is not { Count: > 0 } rules || pod.Status?.Phase != "Failed")
        {
            return new PodFailureVerdict(null, null);
        }

        for (var index = 0; index < rules.Count; index++)
        {
            var rule = rules[index];
            if (rule.OnExitCodes is { } onExitCodes && MatchingContainer(onExitCodes, pod) is { } container)
            {
                var message = string.Create(
                    CultureInfo.InvariantCulture,
                    $"Container {container.Name} for pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} failed with exit code {container.State.Terminated.ExitCode} matching {rule.Action} rule at index {index}");
                return new PodFailureVerdict(rule.Action, message);
            }

            if (rule.OnPodConditions is { Count: > 0 } patterns && MatchingCondition(patterns, pod) is { } condition)
            {
                var message = string.Create(
                    CultureInfo.InvariantCulture,
                    $"Pod {pod.Metadata.NamespaceProperty}/{pod.Metadata.Name} has condition {condition.Type} matching {rule.Action} rule at index {index}");
                return new PodFailureVerdict(rule.Action, message);
            }
        }

        return new PodFailureVerdict(null, null);
    }

    private static V1ContainerStatus? MatchingContainer(V1PodFailurePolicyOnExitCodesRequirement requirement, V1Pod pod)
    {
        var statuses = (pod.Status.InitContainerStatuses ?? []).Concat(pod.Status.ContainerStatuses ?? []);
        foreach (var status in statuses)
        {
            if (status.State?.Terminated is not { ExitCode: not 0 } terminated)
            {
                continue;
            }

            if (!string.IsNullOrEmpty(requirement.ContainerName) && requirement.ContainerName != status.Name)
            {
                continue;
            }

            var listed = (requirement.Values ?? []).Contains(terminated.ExitCode);
            if (requirement.OperatorProperty == "In" ? listed : !listed)
            {
                return status;
            }
        }

        return null;
    }

    private static V1PodCondition? MatchingCondition(IList<V1PodFailurePolicyOnPodConditionsPattern> patterns, V1Pod pod)
    {
        foreach (var pattern in patterns)
        {
            var wanted = string.IsNullOrEmpty(pattern.Status) ? "True" : pattern.Status;
            if (pod.Status.Conditions?.FirstOrDefault(c => c.Type == pattern.Type && c.Status == wanted) is { } condition)
            {
                return condition;
            }
        }

        return null;
    }
}
