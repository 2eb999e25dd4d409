using System.Diagnostics;

namespace Skiff.Networking.Proxy;

/// <summary>Runs <c>nft</c> (Debian's nftables package), optionally inside a network namespace
/// (<c>ip netns exec NS nft ...</c>, for tests), feeding a transaction on stdin.</summary>
public sealed class NftCommand(string? netns = null, string nft = "nft")
{
    /// <summary>Applies <paramref name="transaction"/> with <c>nft -f -</c>: all of it or, on error, none of it.</summary>
    public Task ApplyAsync(string transaction, CancellationToken cancellationToken) => RunAsync(["-f", "-"], transaction, cancellationToken);

    /// <summary>Deletes the table if it exists (one transaction: add is a no-op when present).</summary>
    public Task DeleteTableAsync(string table, CancellationToken cancellationToken) =>
        ApplyAsync($"add table ip {table}\ndelete table ip {table}\n", cancellationToken);

    public Task<string> ListTableAsync(string table, CancellationToken cancellationToken) => RunAsync(["list", "table", "ip", table], null, cancellationToken);

    private async Task<string> RunAsync(IEnumerable<string> arguments, string? input, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(netns is null ? nft : "ip")
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        if (netns is not null)
        {
            foreach (var a in new[] { "netns", "exec", netns, nft })
            {
                start.ArgumentList.Add(a);
            }
        }

        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("nft did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        if (input is not null)
        {
            await process.StandardInput.WriteAsync(input.AsMemory(), cancellationToken);
        }

        process.StandardInput.Close();
        await process.WaitForExitAsync(cancellationToken);
        var output = await stdout;
        var error = await stderr;
        if (process.ExitCode != 0)
        {
            throw new NftException($"nft exited {process.ExitCode}: {error.Trim()}");
        }

        return output;
    }
}

public sealed class NftException(string message) : Exception(message);
