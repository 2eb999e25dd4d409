using System.Diagnostics;
using System.Globalization;
using System.Text;
using Skiff.Bench.Common;

namespace Skiff.Bench.Scheduler;

/// <summary>
/// <c>skiff scheduler --kubeconfig F</c> as a child process, for runs where the server runs with
/// <c>--disable-scheduler</c>: the server's CPU is then the API and controllers' alone and this process's the
/// scheduler's (informers, algorithm, binding requests), which splits the control plane's CPU per pod.
/// </summary>
internal sealed class SchedulerProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StringBuilder _log = new();

    private SchedulerProcess(Process process)
    {
        _process = process;
    }

    public string Pid => _process.Id.ToString(CultureInfo.InvariantCulture);

    public bool HasExited => _process.HasExited;

    public static SchedulerProcess Start(string kubeconfigPath)
    {
        var start = new ProcessStartInfo("dotnet") { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { ServerProcess.SkiffDll(), "scheduler", "--kubeconfig", kubeconfigPath })
        {
            start.ArgumentList.Add(argument);
        }

        var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start skiff scheduler");
        var scheduler = new SchedulerProcess(process);
        process.OutputDataReceived += (_, e) => scheduler.Append(e.Data);
        process.ErrorDataReceived += (_, e) => scheduler.Append(e.Data);
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return scheduler;
    }

    public string Log()
    {
        lock (_log)
        {
            return _log.ToString();
        }
    }

    public async ValueTask DisposeAsync()
    {
        if (!_process.HasExited)
        {
            _process.Kill(entireProcessTree: true);
            await _process.WaitForExitAsync();
        }

        _process.Dispose();
    }

    private void Append(string? line)
    {
        if (line is not null)
        {
            lock (_log)
            {
                _log.AppendLine(line);
            }
        }
    }
}
