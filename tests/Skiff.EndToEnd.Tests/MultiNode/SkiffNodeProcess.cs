using System.Diagnostics;
using System.Globalization;

namespace Skiff.EndToEnd.Tests.MultiNode;

/// <summary>
/// One <c>skiff server</c> or <c>skiff agent</c> child process, optionally inside a network namespace
/// (<c>nsenter --net</c> execs in place, so the process id is skiff's own and SIGTERM reaches it). Its output goes
/// to <c>&lt;data-dir&gt;/node.log</c>.
/// </summary>
internal sealed class SkiffNodeProcess : IAsyncDisposable
{
    private readonly Process _process;
    private readonly StreamWriter _log;
    private bool _stopped;

    private SkiffNodeProcess(Process process, StreamWriter log, string dataDirectory)
    {
        _process = process;
        _log = log;
        DataDirectory = dataDirectory;
    }

    public string DataDirectory { get; }

    public string LogPath => Path.Combine(DataDirectory, "node.log");

    public bool HasExited => _process.HasExited;

    public static SkiffNodeProcess Start(string? netns, string dataDirectory, IEnumerable<string> skiffArguments)
    {
        IEnumerable<string> command = ["dotnet", RepositoryPaths.SkiffDll, .. skiffArguments, "--data-dir", dataDirectory];
        if (netns is not null)
        {
            // nsenter joins only the network namespace: `ip netns exec` would also remount /sys, hiding the cgroup
            // mounts runc needs ("no cgroup mount found in mountinfo").
            command = ["nsenter", "--net=/run/netns/" + netns, .. command];
        }

        var all = command.ToList();
        var startInfo = new ProcessStartInfo(all[0]) { UseShellExecute = false, RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in all.Skip(1))
        {
            startInfo.ArgumentList.Add(argument);
        }

        var process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start " + string.Join(' ', all));
        var log = new StreamWriter(Path.Combine(dataDirectory, "node.log")) { AutoFlush = true };
        process.OutputDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.ErrorDataReceived += (_, e) => { if (e.Data is not null) { lock (log) { log.WriteLine(e.Data); } } };
        process.BeginOutputReadLine();
        process.BeginErrorReadLine();
        return new SkiffNodeProcess(process, log, dataDirectory);
    }

    public string ReadLog() => LogTail.Read(LogPath);

    /// <summary>SIGTERM, as a user's Ctrl-C: the node stops its kubelet and containerd (killed after 60 s).</summary>
    public async Task StopAsync()
    {
        if (_stopped)
        {
            return;
        }

        _stopped = true;
        if (!_process.HasExited)
        {
            await ProcessRunner.RunAsync("kill", ["-TERM", _process.Id.ToString(CultureInfo.InvariantCulture)], null, TimeSpan.FromSeconds(5), CancellationToken.None);
            using var wait = new CancellationTokenSource(TimeSpan.FromSeconds(60));
            try
            {
                await _process.WaitForExitAsync(wait.Token);
            }
            catch (OperationCanceledException)
            {
                _process.Kill(entireProcessTree: true);
            }
        }
    }

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        _process.Dispose();
        lock (_log)
        {
            _log.Dispose();
        }
    }
}
