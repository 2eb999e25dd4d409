using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Kubelet.Pods;

/// <summary>The kubelet's final delete of a pod it has stopped.</summary>
public static class PodDeletion
{
    /// <summary>Deletes the pod if it still has <paramref name="uid"/>; a pod already gone is not an error.</summary>
    public static async Task DeletePodAsync(
        this IApiClient api, string ns, string name, string uid, long gracePeriodSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        var options = new V1DeleteOptions
        {
            GracePeriodSeconds = gracePeriodSeconds,
            Preconditions = new V1Preconditions { Uid = uid },
        };
        try
        {
            await api.DeleteAsync<V1Pod>(ns, name, options, cancellationToken);
        }
        catch (ApiException e) when (e.IsNotFound)
        {
            // Already gone: what we wanted.
        }
    }
}
