using Microsoft.Extensions.Logging;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Simulation;

namespace Skiff.Hosting;

/// <summary>Runs <c>skiff agent --simulate N --kubeconfig F</c>: simulated nodes only, on their own
/// <see cref="ComponentContext"/> (one Node and one Pod informer for all of them).</summary>
internal static class SimulatedAgentRunner
{
    public static async Task<int> RunAsync(SimulationOptions? options, string kubeconfigPath, bool verbose, CancellationToken shutdown)
    {
        using var loggerFactory = Logging.Create(verbose);
        var logger = loggerFactory.CreateLogger("Skiff.Agent");
        if (options is null)
        {
            logger.LogError("skiff agent failed: --kubeconfig is for simulated nodes; give --simulate N with N > 0");
            return 1;
        }

        if (!File.Exists(kubeconfigPath))
        {
            logger.LogError("skiff agent failed: kubeconfig {Path} does not exist", kubeconfigPath);
            return 1;
        }

        using var api = ApiClients.FromKubeconfig(kubeconfigPath);
        var context = ComponentContext.Create(api, TimeProvider.System, loggerFactory);
        try
        {
            context.Informers.Start(shutdown);
            await SimulationHost.RunAsync(options, context, shutdown);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
        }
        finally
        {
            await context.DisposeAsync();
        }

        logger.LogInformation("Shutting down");
        return 0;
    }
}
