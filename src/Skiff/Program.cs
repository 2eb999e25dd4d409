using System.CommandLine;
using Skiff.Commands;

namespace Skiff;

internal static class Program
{
    public static async Task<int> Main(string[] args)
    {
        var root = new RootCommand("Skiff: a small, real Kubernetes.");
        var version = new Command("version", "Print Skiff's version.");
        version.SetAction(_ => Console.WriteLine($"skiff {typeof(Program).Assembly.GetName().Version}"));
        root.Subcommands.Add(version);
        root.Subcommands.Add(ServerCommand.Create());
        root.Subcommands.Add(AgentCommand.Create());
        root.Subcommands.Add(ControllerManagerCommand.Create());
        root.Subcommands.Add(Cli.KubectlCommand.Create());
        root.Subcommands.Add(ImagesCommand.Create());
        root.Subcommands.Add(SchedulerCommand.Create());
        root.Subcommands.Add(DnsCommand.Create());
        root.Subcommands.Add(TokenCommand.Create());
        return await root.Parse(args).InvokeAsync().ConfigureAwait(false);
    }
}
