using System.Diagnostics;

namespace Skiff.Networking.Tests.Dns;

/// <summary>Runs the real resolver <c>dig</c> (bind9-dnsutils, installed by scripts/prereqs.sh).</summary>
internal static class Dig
{
    public static async Task<string> RunAsync(int port, params string[] args)
    {
        var start = new ProcessStartInfo("dig") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var a in new[] { "@127.0.0.1", "-p", port.ToString(System.Globalization.CultureInfo.InvariantCulture), "+time=3", "+tries=1" }.Concat(args))
        {
            start.ArgumentList.Add(a);
        }

        Process process;
        try
        {
            process = Process.Start(start)!;
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            throw new InvalidOperationException("dig is missing: install bind9-dnsutils (scripts/prereqs.sh does)", e);
        }

        using (process)
        {
            using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(30));
            var output = process.StandardOutput.ReadToEndAsync(timeout.Token);
            var error = process.StandardError.ReadToEndAsync(timeout.Token);
            await process.WaitForExitAsync(timeout.Token);
            return await output + await error;
        }
    }

    /// <summary><c>dig +short NAME TYPE</c> until it answers <paramref name="expected"/> or 20 s pass (a server fed by
    /// a watch learns of an object a moment after it is written); the last answer. With <paramref name="server"/>,
    /// fails at once if that server stopped.</summary>
    public static async Task<string> ShortUntilAsync(int port, string name, string type, string expected, Task? server = null)
    {
        var answer = string.Empty;
        for (var deadline = DateTime.UtcNow.AddSeconds(20); answer != expected && DateTime.UtcNow < deadline; await Task.Delay(100))
        {
            Assert.False(server?.IsCompleted == true, "the DNS server stopped");
            answer = (await RunAsync(port, "+short", name, type)).Trim();
        }

        return answer;
    }
}
