using System.Diagnostics;

namespace Skiff.Networking.Routes;

/// <summary>Runs one iproute2 command (<c>ip</c>, <c>bridge</c>), in a network namespace when given (<c>-n NS</c>),
/// and returns its standard output; a non-zero exit is an <see cref="InvalidOperationException"/> with its stderr.</summary>
internal static class IpCommand
{
    public static async Task<string> RunAsync(string program, string? netns, IReadOnlyList<string> arguments, CancellationToken cancellationToken)
    {
        var start = new ProcessStartInfo(program) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        if (netns is not null)
        {
            start.ArgumentList.Add("-n");
            start.ArgumentList.Add(netns);
        }

        foreach (var a in arguments)
        {
            start.ArgumentList.Add(a);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException($"{program} did not start");
        var stdout = process.StandardOutput.ReadToEndAsync(cancellationToken);
        var stderr = process.StandardError.ReadToEndAsync(cancellationToken);
        await process.WaitForExitAsync(cancellationToken);
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)} exited {process.ExitCode}: {(await stderr).Trim()}");
        }

        return await stdout;
    }
}
