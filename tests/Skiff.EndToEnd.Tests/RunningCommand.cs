using System.Diagnostics;
using System.Text;

namespace Skiff.EndToEnd.Tests;

/// <summary>
/// A command left running (<c>kubectl logs -f</c>, <c>kubectl attach</c>) whose output is watched while it runs.
/// Disposing kills it if it is still running.
/// </summary>
internal sealed class RunningCommand : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _stdout = new();
    private readonly StringBuilder _stderr = new();
    private readonly SemaphoreSlim _changed = new(0);

    private RunningCommand(Process process)
    {
        _process = process;
    }

    public static RunningCommand Start(string program, IEnumerable<string> arguments, IReadOnlyDictionary<string, string>? environment = null)
    {
        var process = Process.Start(ProcessRunner.StartInfo(program, arguments, environment)) ?? throw new InvalidOperationException($"could not start {program}");
        var command = new RunningCommand(process);
        process.OutputDataReceived += (_, e) => command.Append(command._stdout, e.Data);
        process.ErrorDataReceived += (_, e) => command.Append(command._stderr, e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return command;
    }

    public StreamWriter Stdin => _process.StandardInput;

    public string Stdout
    {
        get
        {
            lock (_stdout)
            {
                return _stdout.ToString();
            }
        }
    }

    public string Stderr
    {
        get
        {
            lock (_stderr)
            {
                return _stderr.ToString();
            }
        }
    }

    /// <summary>Waits until stdout contains <paramref name="text"/>; false when the command ended or the deadline passed first.</summary>
    public async Task<bool> WaitForStdoutAsync(string text, TimeSpan deadline)
    {
        using var cts = new CancellationTokenSource(deadline);
        while (!Stdout.Contains(text, StringComparison.Ordinal))
        {
            if (_process.HasExited)
            {
                // Output read after the exit may still be arriving.
                await Task.Delay(200, CancellationToken.None);
                return Stdout.Contains(text, StringComparison.Ordinal);
            }

            try
            {
                await _changed.WaitAsync(TimeSpan.FromMilliseconds(200), cts.Token);
            }
            catch (OperationCanceledException)
            {
                return false;
            }
        }

        return true;
    }

    /// <summary>Waits for the command to exit by itself; its exit code, or null when it was still running at the deadline.</summary>
    public async Task<int?> WaitForExitAsync(TimeSpan deadline)
    {
        using var cts = new CancellationTokenSource(deadline);
        try
        {
            await _process.WaitForExitAsync(cts.Token);
            return _process.ExitCode;
        }
        catch (OperationCanceledException)
        {
            return null;
        }
    }

    public override string ToString() => $"--- stdout:\n{Stdout}\n--- stderr:\n{Stderr}";

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync(CancellationToken.None);
        }

        _process.Dispose();
        _changed.Dispose();
    }

    private void Append(StringBuilder target, string? line)
    {
        if (line is null)
        {
            return;
        }

        lock (target)
        {
            target.Append(line).Append('\n');
        }

        _changed.Release();
    }
}
