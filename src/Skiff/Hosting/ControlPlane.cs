using Microsoft.Extensions.Logging;
using Skiff.Client;

namespace Skiff.Hosting;

/// <summary>
/// The control-plane components <c>skiff server</c> runs beside the API server, all on one
/// <see cref="ComponentContext"/> (one informer per kind for the whole process). Each component is also runnable
/// alone against a kubeconfig (<c>skiff scheduler</c>, <c>skiff controller-manager</c>).
/// </summary>
internal static class ControlPlane
{
    /// <summary>The components, each a long-running task over the shared context; they elect their leaders
    /// themselves where only one may act per cluster.</summary>
    public static IReadOnlyList<Func<ComponentContext, CancellationToken, Task>> Components(ServerSettings settings)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var components = new List<Func<ComponentContext, CancellationToken, Task>>();
        if (!settings.DisableScheduler)
        {
            components.Add((ctx, ct) => Scheduler.SchedulerHost.RunAsync(new Scheduler.SchedulerOptions(), ctx, ct));
        }

        // The API server wrote the cluster PKI before the components start; its CA is what pods are given to trust.
        var rootCa = Path.Combine(settings.DataDirectory, "pki", "ca.crt");
        var caKey = Path.Combine(settings.DataDirectory, "pki", "ca.key");
        var managerOptions = settings.ControllerManager with
        {
            RootCaBundle = File.Exists(rootCa) ? File.ReadAllText(rootCa) : null,
            ClusterSigning = File.Exists(rootCa) && File.Exists(caKey) ? (File.ReadAllText(rootCa), File.ReadAllText(caKey)) : null,
        };
        components.Add((ctx, ct) => Controllers.ControllerManagerHost.RunAsync(managerOptions, ctx, ct));
        components.Add(Networking.NetworkingControllers.RunAsync);

        if (!settings.DisableDns)
        {
            var dns = new Networking.Dns.ClusterDnsOptions { Zone = settings.ClusterDomain };
            components.Add((ctx, ct) => Networking.Dns.NodeDns.RunAsync(dns, settings.ClusterDns, ctx, ct));
        }

        if (settings.SimulatedNodes is { } simulation)
        {
            components.Add((ctx, ct) => Simulation.SimulationHost.RunAsync(simulation, ctx, ct));
        }

        return components;
    }

    /// <summary>Runs <paramref name="components"/> until cancelled; a component that fails is logged and the others
    /// go on (as separate processes would).</summary>
    public static async Task RunAsync(ComponentContext context, IReadOnlyList<Func<ComponentContext, CancellationToken, Task>> components, ILogger logger, CancellationToken cancellationToken)
    {
        context.Informers.Start(cancellationToken);
        await Task.WhenAll(components.Select(c => RunOneAsync(c, context, logger, cancellationToken)));
    }

    private static async Task RunOneAsync(Func<ComponentContext, CancellationToken, Task> component, ComponentContext context, ILogger logger, CancellationToken cancellationToken)
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
