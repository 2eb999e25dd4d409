using System.Diagnostics;
using Microsoft.Extensions.Logging;
using Skiff.Cri;

namespace Skiff.Containerd;

/// <summary>
/// A running containerd started by <see cref="ContainerdHost.StartAsync"/>. Disposing it stops containerd (SIGTERM,
/// then SIGKILL after <see cref="ContainerdOptions.StopTimeout"/>); pods and their shims keep running and are found
/// again by the next containerd with the same state dir.
/// </summary>
public sealed class ContainerdInstance : IAsyncDisposable
{
    private readonly Process process;
    private readonly ILogger logger;
    private int disposed;

    internal ContainerdInstance(ContainerdOptions options, Process process, CriConnection cri, ILogger logger)
    {
        Options = options;
        this.process = process;
        Cri = cri;
        this.logger = logger;
    }

    public ContainerdOptions Options { get; }

    /// <summary>Gives the pods their network on <paramref name="subnet"/> (a start with
    /// <see cref="ContainerdOptions.DeferPodNetwork"/>); returns once containerd reports NetworkReady.</summary>
    public Task ConfigurePodNetworkAsync(string subnet, CancellationToken cancellationToken) =>
        ContainerdHost.ConfigurePodNetworkAsync(Options, Cri, subnet, cancellationToken);

    /// <summary>containerd's gRPC/CRI socket.</summary>
    public string SocketPath => Options.SocketPath;

    /// <summary>CRI clients on <see cref="SocketPath"/>; owned by this instance and disposed with it.</summary>
    public CriConnection Cri { get; }

    public int ProcessId => process.Id;

    public bool HasExited => process.HasExited;

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref disposed, 1) != 0)
        {
            return;
        }

        Cri.Dispose();
        var exited = await TerminateAsync(process, Options.StopTimeout, CancellationToken.None).ConfigureAwait(false);
        logger.LogInformation("Stopped containerd (pid {Pid}){How}", process.Id, exited ? string.Empty : " with SIGKILL");
        process.Dispose();
        try
        {
            File.Delete(ContainerdHost.PidFile(Options));
        }
        catch (IOException)
        {
            // The state dir may already be gone; nothing to clean then.
        }
    }

    /// <summary>SIGTERM, wait, SIGKILL. Only containerd itself is signalled, never its shims. True if it exited on SIGTERM.</summary>
    internal static async Task<bool> TerminateAsync(Process process, TimeSpan timeout, CancellationToken cancellationToken)
    {
        if (process.HasExited)
        {
            return true;
        }

        UnixSignals.Send(process.Id, UnixSignals.SigTerm);
        using var wait = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        wait.CancelAfter(timeout);
        try
        {
            await process.WaitForExitAsync(wait.Token).ConfigureAwait(false);
            return true;
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            process.Kill(entireProcessTree: false);
            await process.WaitForExitAsync(CancellationToken.None).ConfigureAwait(false);
            return false;
        }
    }
}
