using System.CommandLine;

namespace Skiff.Cli;

/// <summary>Runs <c>skiff kubectl ARGS</c> with the given streams (the test and embedding entry point).</summary>
public static class SkiffKubectl
{
    public static Task<int> RunAsync(string[] args, TextWriter stdout, TextWriter stderr, CancellationToken cancellationToken) =>
        RunAsync(args, stdout, stderr, Console.In, Environment.GetEnvironmentVariable, cancellationToken);

    public static async Task<int> RunAsync(
        string[] args, TextWriter stdout, TextWriter stderr, TextReader stdin, Func<string, string?> environment, CancellationToken cancellationToken)
    {
        var root = new RootCommand("skiff kubectl");
        var kubectl = KubectlCommand.Create(environment, stdin);
        foreach (var option in kubectl.Options)
        {
            root.Options.Add(option);
        }

        foreach (var sub in kubectl.Subcommands)
        {
            root.Subcommands.Add(sub);
        }

        var parse = root.Parse(args);
        return await parse.InvokeAsync(new InvocationConfiguration { Output = stdout, Error = stderr }, cancellationToken);
    }
}
