using System.Diagnostics;

namespace Skiff.EndToEnd.Tests;

/// <summary>The outcome of a finished command.</summary>
public sealed record CommandResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout:\n{Stdout}\n--- stderr:\n{Stderr}";
}

/// <summary>Runs a command to completion with a deadline, capturing its output.</summary>
internal static class ProcessRunner
{
    /// <summary>How the tests start a program: arguments as a list, all three streams redirected, extra environment.</summary>
    public static ProcessStartInfo StartInfo(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        foreach (var (name, value) in environment ?? new Dictionary<string, string>())
        {
            startInfo.Environment[name] = value;
        }

        return startInfo;
    }

    public static async Task<CommandResult> RunAsync(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment, TimeSpan timeout, CancellationToken cancellationToken)
    {
        using var process = Process.Start(StartInfo(program, arguments, environment)) ?? throw new InvalidOperationException($"could not start {program}");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        using var deadline = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        deadline.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(deadline.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync(CancellationToken.None);
            return new CommandResult(-1, await stdout, await stderr + $"\n(killed after {timeout.TotalSeconds:0} s)");
        }

        return new CommandResult(process.ExitCode, await stdout, await stderr);
    }
}
