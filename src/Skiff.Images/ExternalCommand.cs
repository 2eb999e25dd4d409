using System.Diagnostics;
using System.Text;

namespace Skiff.Images;

/// <summary>Runs a host program to completion and captures its output.</summary>
internal static class ExternalCommand
{
    /// <param name="writeInput">Writes the program's stdin (closed afterwards); null for an empty stdin.</param>
    public static async Task<CommandResult> RunAsync(string program, IEnumerable<string> arguments, string? workingDirectory, CancellationToken cancellationToken, Func<Stream, CancellationToken, Task>? writeInput = null)
    {
        var startInfo = new ProcessStartInfo(program)
        {
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            WorkingDirectory = workingDirectory ?? Environment.CurrentDirectory,
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        Process process;
        try
        {
            process = Process.Start(startInfo) ?? throw new ImageBuildException($"Could not start {program}.");
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new ImageBuildException($"'{program}' could not be started ({e.Message}); is it installed?", e);
        }

        using (process)
        {
            var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
            IOException? inputFailure = null;
            try
            {
                if (writeInput is not null)
                {
                    try
                    {
                        await writeInput(process.StandardInput.BaseStream, cancellationToken).ConfigureAwait(false);
                    }
                    catch (IOException e)
                    {
                        // The program stopped reading (usually because it failed: its exit code and stderr say why).
                        inputFailure = e;
                    }
                }

                process.StandardInput.Close();
                await process.WaitForExitAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (OperationCanceledException)
            {
                process.Kill(entireProcessTree: true);
                throw;
            }

            if (inputFailure is not null && process.ExitCode == 0)
            {
                throw new ImageBuildException($"{program} stopped reading its input: {inputFailure.Message}", inputFailure);
            }

            return new CommandResult(program, process.ExitCode, await stdout.ConfigureAwait(false), await stderr.ConfigureAwait(false));
        }
    }

    public static async Task<string> RunCheckedAsync(string program, IEnumerable<string> arguments, string? workingDirectory, CancellationToken cancellationToken, Func<Stream, CancellationToken, Task>? writeInput = null)
    {
        var list = arguments.ToList();
        var result = await RunAsync(program, list, workingDirectory, cancellationToken, writeInput).ConfigureAwait(false);
        if (result.ExitCode != 0)
        {
            var command = new StringBuilder(program);
            foreach (var argument in list)
            {
                command.Append(' ').Append(argument);
            }

            throw new ImageBuildException($"'{command}' failed with exit code {result.ExitCode}: {result.Stderr.Trim()}{(result.Stderr.Length == 0 ? result.Stdout.Trim() : string.Empty)}");
        }

        return result.Stdout;
    }
}

internal sealed record CommandResult(string Program, int ExitCode, string Stdout, string Stderr);

/// <summary>An image could not be built or imported; the message says what is missing and how to fix it.</summary>
public sealed class ImageBuildException : Exception
{
    public ImageBuildException()
    {
    }

    public ImageBuildException(string message)
        : base(message)
    {
    }

    public ImageBuildException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
