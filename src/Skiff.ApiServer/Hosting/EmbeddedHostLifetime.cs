using Microsoft.Extensions.Hosting;

namespace Skiff.ApiServer.Hosting;

/// <summary>
/// The API server is embedded: the process that hosts it owns signals and shutdown (via the handle's StopAsync), so
/// the web host must not install its console lifetime, which would block SIGTERM until the host's own Main returns.
/// </summary>
internal sealed class EmbeddedHostLifetime : IHostLifetime
{
    public Task WaitForStartAsync(CancellationToken cancellationToken) => Task.CompletedTask;

    public Task StopAsync(CancellationToken cancellationToken) => Task.CompletedTask;
}
