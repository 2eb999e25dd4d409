using System.CommandLine;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Hosting;

namespace Skiff.Commands;

/// <summary>
/// A control-plane component run on its own against a cluster (<c>skiff scheduler --kubeconfig F</c>), as a separate
/// process of a real cluster would: its own API client, informers and event broadcaster.
/// </summary>
internal static class ComponentCommand
{
    public static Command Create(string name, string description, Func<ComponentContext, CancellationToken, Task> run)
    {
        var kubeconfig = new Option<string>("--kubeconfig") { Description = "The kubeconfig to reach the API server with.", Required = true };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Debug logging." };
        var command = new Command(name, description) { kubeconfig, verbose };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var loggers = Logging.Create(parse.GetValue(verbose));
            using var shutdown = new ShutdownSignal(cancellationToken);
            using var api = ApiClients.FromKubeconfig(parse.GetValue(kubeconfig)!);
            var context = ComponentContext.Create(api, TimeProvider.System, loggers);
            try
            {
                context.Informers.Start(shutdown.Token);
                await run(context, shutdown.Token);
            }
            catch (OperationCanceledException) when (shutdown.Token.IsCancellationRequested)
            {
            }
            finally
            {
                await context.DisposeAsync();
            }

            return 0;
        });
        return command;
    }
}
