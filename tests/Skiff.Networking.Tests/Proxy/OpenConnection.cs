using System.Diagnostics;

namespace Skiff.Networking.Tests.Proxy;

/// <summary>A connection opened by <see cref="NetworkNamespaces.OpenAsync"/> (its process is ended with the namespaces).</summary>
internal sealed class OpenConnection(Process process)
{
    /// <summary>Sends <paramref name="line"/> and returns what came back: the same line while the connection works.</summary>
    public async Task<string> RoundTripAsync(string line)
    {
        await process.StandardInput.WriteLineAsync(line);
        await process.StandardInput.FlushAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(10));
        return await process.StandardOutput.ReadLineAsync(timeout.Token) ?? "exited";
    }
}
