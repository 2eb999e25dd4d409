using System.Diagnostics;

namespace Skiff.Bench.Streaming;

/// <summary>Runs the real kubectl against the cluster's kubeconfig.</summary>
internal static class Kubectl
{
    public sealed record Result(int ExitCode, string Stdout, string Stderr);

    public static async Task<Result> RunAsync(string kubeconfig, IEnumerable<string> arguments)
    {
        using var process = Process.Start(StartInfo(kubeconfig, arguments)) ?? throw new InvalidOperationException("could not start kubectl");
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        await process.WaitForExitAsync();
        return new Result(process.ExitCode, await stdout, await stderr);
    }

    public static ProcessStartInfo StartInfo(string kubeconfig, IEnumerable<string> arguments)
    {
        var startInfo = new ProcessStartInfo("kubectl")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        startInfo.ArgumentList.Add("--kubeconfig");
        startInfo.ArgumentList.Add(kubeconfig);
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        return startInfo;
    }
}
