using System.CommandLine;
using Skiff.Cli.Commands;

namespace Skiff.Cli;

/// <summary>
/// <c>skiff kubectl</c>: the command tree (get, describe, create, apply, delete, logs, exec, version,
/// api-resources). Add it under the <c>skiff</c> root command, or call <see cref="SkiffKubectl.RunAsync"/>.
/// </summary>
public static class KubectlCommand
{
    public static Command Create() => Create(Environment.GetEnvironmentVariable, Console.In);

    public static Command Create(Func<string, string?> environment, TextReader input)
    {
        var global = new GlobalOptions(environment, input);
        var command = new Command("kubectl", "A C# kubectl: talks to any Kubernetes API server (Skiff's or another).");
        foreach (var option in global.All)
        {
            command.Options.Add(option);
        }

        command.Subcommands.Add(GetCommand.Create(global));
        command.Subcommands.Add(DescribeCommand.Create(global));
        command.Subcommands.Add(CreateCommand.Create(global));
        command.Subcommands.Add(ApplyCommand.Create(global));
        command.Subcommands.Add(DeleteCommand.Create(global));
        command.Subcommands.Add(LogsCommand.Create(global));
        command.Subcommands.Add(ExecCommand.Create(global));
        command.Subcommands.Add(VersionCommand.Create(global));
        command.Subcommands.Add(ApiResourcesCommand.Create(global));
        return command;
    }
}
