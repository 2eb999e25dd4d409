using System.CommandLine;
using Skiff.Cli.Api;
using Skiff.Cli.Config;

namespace Skiff.Cli.Commands;

/// <summary>The flags every subcommand takes, and the error handling every subcommand shares.</summary>
public sealed class GlobalOptions
{
    private readonly Func<string, string?> _environment;
    private readonly TextReader _input;

    public GlobalOptions(Func<string, string?> environment, TextReader input)
    {
        _environment = environment;
        _input = input;
    }

    public Option<string?> Kubeconfig { get; } = new("--kubeconfig") { Description = "Path to the kubeconfig file to use for CLI requests.", Recursive = true };

    public Option<string?> Context { get; } = new("--context") { Description = "The name of the kubeconfig context to use", Recursive = true };

    public Option<string?> Namespace { get; } = new("--namespace", "-n") { Description = "If present, the namespace scope for this CLI request", Recursive = true };

    /// <summary>Accepted for kubectl compatibility (there is no discovery cache on disk here).</summary>
    public Option<string?> CacheDir { get; } = new("--cache-dir") { Description = "Default cache directory", Recursive = true };

    public IEnumerable<Option> All => [Kubeconfig, Context, Namespace, CacheDir];

    /// <summary>Runs a command body with a session, printing errors as kubectl does (exit code 1).</summary>
    public async Task<int> RunAsync(ParseResult parse, Func<KubectlSession, Task<int>> body)
    {
        ArgumentNullException.ThrowIfNull(parse);
        ArgumentNullException.ThrowIfNull(body);
        var output = parse.InvocationConfiguration.Output;
        var error = parse.InvocationConfiguration.Error;
        var flags = new ConnectionFlags(parse.GetValue(Kubeconfig), parse.GetValue(Context), parse.GetValue(Namespace));
        using var session = new KubectlSession(flags, output, error, _input, _environment);
        try
        {
            return await body(session);
        }
        catch (ApiException ex)
        {
            await error.WriteLineAsync(ex.ToKubectlMessage());
            return 1;
        }
        catch (CliException ex)
        {
            await error.WriteLineAsync("error: " + ex.Message);
            return 1;
        }
        catch (HttpRequestException ex)
        {
            var config = await TryConfigAsync(session);
            await error.WriteLineAsync(config is null
                ? "error: " + ex.Message
                : $"Unable to connect to the server: {ex.Message}");
            return 1;
        }
    }

    private static async Task<ResolvedConfig?> TryConfigAsync(KubectlSession session)
    {
        try
        {
            return await session.ConfigAsync();
        }
        catch (CliException)
        {
            return null;
        }
    }
}
