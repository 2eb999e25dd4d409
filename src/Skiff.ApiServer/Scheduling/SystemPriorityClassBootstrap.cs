using Microsoft.Extensions.Logging;
using Skiff.Apimachinery.Strategies.Scheduling;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Scheduling;

/// <summary>
/// Creates the two system priority classes at server start when they are missing, as kube-apiserver's
/// <c>scheduling/bootstrap-system-priority-classes</c> post-start hook does; existing ones are left as they are. A
/// second server starting on the same store at the same time may win the create: that is fine.
/// </summary>
public static class SystemPriorityClassBootstrap
{
    public static async Task EnsureAsync(GenericRegistry registry, ILogger logger, CancellationToken ct)
    {
        if (registry.Index.Find("scheduling.k8s.io", "v1", "priorityclasses") is not { } def)
        {
            return;
        }

        foreach (var pc in SystemPriorityClasses.Create())
        {
            try
            {
                await registry.GetAsync(def, null, pc.Metadata.Name, null, ct);
                continue;
            }
            catch (Http.ApiException e) when (e.Status.Code == 404)
            {
            }

            try
            {
                await registry.CreateAsync(def, null, pc, dryRun: false, ct);
                logger.LogInformation("Created system priority class {Name} with value {Value}", pc.Metadata.Name, pc.Value);
            }
            catch (Http.ApiException e) when (e.Status.Code == 409)
            {
            }
        }
    }
}
