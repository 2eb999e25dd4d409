using Microsoft.Extensions.Logging;
using Skiff.Images;

namespace Skiff.Containerd;

/// <summary>
/// Everything a node needs to run pods without a registry, in one call: start containerd, then build (or reuse
/// cached) pause/busybox/nginx archives and import whichever containerd does not have yet.
/// </summary>
public static class NodeRuntime
{
    public static async Task<ContainerdInstance> StartAsync(ContainerdOptions options, string imageCacheDir, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(logger);
        var instance = await ContainerdHost.StartAsync(options, logger, cancellationToken).ConfigureAwait(false);
        try
        {
            await ImageBuilder.EnsureImagesAsync(
                new ImageBuildOptions { CacheDir = imageCacheDir, ContainerdAddress = instance.SocketPath },
                new LoggerProgress(logger),
                cancellationToken).ConfigureAwait(false);
            return instance;
        }
        catch
        {
            await instance.DisposeAsync().ConfigureAwait(false);
            throw;
        }
    }

    private sealed class LoggerProgress(ILogger logger) : IProgress<string>
    {
        public void Report(string value) => logger.LogInformation("images: {Step}", value);
    }
}
