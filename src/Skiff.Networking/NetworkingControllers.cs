using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Leases;
using Skiff.Networking.EndpointSlices;

namespace Skiff.Networking;

/// <summary>
/// The cluster-wide half of Services: the EndpointSlice, Endpoints and EndpointSlice-mirroring controllers, run by
/// one leader per cluster. Upstream runs them inside kube-controller-manager; here they elect on a Lease of their
/// own (<c>kube-system/skiff-endpoint-controllers</c>) so that they do not depend on how the other controllers are
/// hosted.
/// </summary>
public static class NetworkingControllers
{
    public const string LeaseName = "skiff-endpoint-controllers";

    public static async Task RunAsync(ComponentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        var elector = new LeaderElector(
            new LeaderElectionConfig { Namespace = "kube-system", Name = LeaseName, Identity = LeaderElectionConfig.NewIdentity() },
            context.Api,
            context.Time,
            context.Loggers.CreateLogger("Skiff.Networking.LeaderElection"));
        await elector.RunAsync(ct => RunControllersAsync(context, ct), cancellationToken);
    }

    /// <summary>Runs the three controllers without election (tests, and a leader once elected).</summary>
    public static Task RunControllersAsync(ComponentContext context, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(context);
        return Task.WhenAll(
            new EndpointSliceController(context).RunAsync(workers: 5, cancellationToken),
            new EndpointsController(context).RunAsync(workers: 5, cancellationToken),
            new EndpointSliceMirroringController(context).RunAsync(workers: 5, cancellationToken));
    }
}
