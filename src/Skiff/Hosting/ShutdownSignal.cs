using System.Runtime.InteropServices;

namespace Skiff.Hosting;

/// <summary>A cancellation token that fires on SIGTERM, SIGINT (Ctrl-C) or SIGQUIT, so every command shuts down cleanly.</summary>
internal sealed class ShutdownSignal : IDisposable
{
    private readonly CancellationTokenSource _source;
    private readonly PosixSignalRegistration[] _registrations;

    public ShutdownSignal(CancellationToken linked)
    {
        _source = CancellationTokenSource.CreateLinkedTokenSource(linked);
        _registrations =
        [
            PosixSignalRegistration.Create(PosixSignal.SIGTERM, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGINT, OnSignal),
            PosixSignalRegistration.Create(PosixSignal.SIGQUIT, OnSignal),
        ];
    }

    public CancellationToken Token => _source.Token;

    public void Dispose()
    {
        foreach (var registration in _registrations)
        {
            registration.Dispose();
        }

        _source.Dispose();
    }

    private void OnSignal(PosixSignalContext context)
    {
        // Keep the process alive: the command unwinds in order (kubelet, API server, store) and exits itself.
        context.Cancel = true;
        _source.Cancel();
    }
}
