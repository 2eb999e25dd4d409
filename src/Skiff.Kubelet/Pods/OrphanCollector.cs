using Microsoft.Extensions.Logging;
using Skiff.Cri.V1;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Pods;

/// <summary>
/// Removes sandboxes this kubelet created for pods it no longer runs (deleted while the kubelet was down, or left
/// by a crash): they carry this node's label but their pod uid has no worker.
/// </summary>
public sealed class OrphanCollector(
    IRuntimeService runtime, PodTerminator terminator, Func<string, bool> isKnown, string nodeName, ILogger<OrphanCollector> logger)
{
    /// <summary>Tears down every orphaned pod once; returns the uids removed.</summary>
    public async Task<IReadOnlyList<string>> CollectAsync(CancellationToken cancellationToken)
    {
        var filter = new PodSandboxFilter();
        filter.LabelSelector[KubeletLabels.Node] = nodeName;
        var sandboxes = await runtime.ListPodSandboxAsync(filter, cancellationToken);
        var removed = new List<string>();
        foreach (var group in sandboxes.GroupBy(s => s.Labels.GetValueOrDefault(KubeletLabels.PodUid) ?? s.Metadata.Uid))
        {
            if (isKnown(group.Key))
            {
                continue;
            }

            var first = group.First();
            logger.LogInformation("removing orphaned pod {Namespace}/{Name} ({Uid})",
                first.Metadata.Namespace, first.Metadata.Name, group.Key);
            await terminator.TeardownAsync(
                group.Key, first.Metadata.Namespace, first.Metadata.Name, PodTerminator.MinimumGracePeriodSeconds, cancellationToken);
            removed.Add(group.Key);
        }

        return removed;
    }
}
