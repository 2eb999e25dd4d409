using Microsoft.Extensions.Logging;
using Skiff.Client;

namespace Skiff.Hosting;

/// <summary>
/// The control-plane components <c>skiff server</c> runs beside the API server, each with the
/// <see cref="ComponentContext"/> of its own identity (<see cref="ComponentContexts"/>): the scheduler as
/// <c>system:kube-scheduler</c>, the controllers as <c>system:kube-controller-manager</c>, cluster DNS as
/// <c>system:coredns</c>; none as the admin. Each component is also runnable alone against a kubeconfig
/// (<c>skiff scheduler</c>, <c>skiff controller-manager</c>).
/// </summary>
internal static class ControlPlane
{
    /// <summary>The components, each a long-running task over the shared context; they elect their leaders
    /// themselves where only one may act per cluster.</summary>
    public static IReadOnlyList<Func<ComponentContexts, CancellationToken, Task>> Components(ServerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var components = new List<Func<ComponentContexts, CancellationToken, Task>>();
        if (!settings.DisableScheduler)
        {
            components.Add((c, ct) => Scheduler.SchedulerHost.RunAsync(new Scheduler.SchedulerOptions(), c.For(ComponentIdentity.Scheduler), ct));
        }

        // The API server wrote the cluster PKI before the components start; its CA is what pods are given to trust.
        var rootCa = Path.Combine(settings.DataDirectory, "pki", "ca.crt");
        var caKey = Path.Combine(settings.DataDirectory, "pki", "ca.key");
        var managerOptions = settings.ControllerManager with
        {
            RootCaBundle = File.Exists(rootCa) ? File.ReadAllText(rootCa) : null,
            ClusterSigning = File.Exists(rootCa) && File.Exists(caKey) ? (File.ReadAllText(rootCa), File.ReadAllText(caKey)) : null,
        };
        components.Add((c, ct) => Controllers.ControllerManagerHost.RunAsync(managerOptions, c.For(ComponentIdentity.ControllerManager), ct));
        // Upstream runs the endpoint controllers inside kube-controller-manager: same identity (and informers).
        components.Add((c, ct) => Networking.NetworkingControllers.RunAsync(c.For(ComponentIdentity.ControllerManager), ct));

        if (!settings.DisableDns)
        {
            var dns = new Networking.Dns.ClusterDnsOptions { Zone = settings.ClusterDomain };
            // The kube-dns Service is installed as k3s installs its CoreDNS manifest (with the admin's rights);
            // serving runs as system:coredns.
            components.Add((c, ct) => Networking.Dns.NodeDns.RunAsync(dns, settings.ClusterDns, c.For(ComponentIdentity.ClusterDns), c.Admin.Api, ct));
        }

        if (settings.SimulatedNodes is { } simulation)
        {
            // Simulated nodes (KWOK's role, a test and benchmark tool) write many nodes' status: as KWOK, with the admin's rights.
            components.Add((c, ct) => Simulation.SimulationHost.RunAsync(simulation, c.Admin, ct));
        }

        return components;
    }

    /// <summary>Runs <paramref name="components"/> until cancelled; a component that fails is logged and the others
    /// go on (as separate processes would).</summary>
    public static async Task RunAsync(ComponentContexts contexts, IReadOnlyList<Func<ComponentContexts, CancellationToken, Task>> components, ILogger logger, CancellationToken cancellationToken)
    {
        contexts.Admin.Informers.Start(cancellationToken);
        await Task.WhenAll(components.Select(c => RunOneAsync(c, contexts, logger, cancellationToken)));
    }

    private static async Task RunOneAsync(Func<ComponentContexts, CancellationToken, Task> component, ComponentContexts context, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            await component(context, cancellationToken);
        }
        catch (OperationCanceledException) when (cancellationToken.IsCancellationRequested)
        {
        }
        catch (Exception e)
        {
            logger.LogError(e, "a control-plane component failed");
        }
    }
}
