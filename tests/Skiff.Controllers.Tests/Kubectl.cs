using System.Diagnostics;

namespace Skiff.Controllers.Tests;

/// <summary>The real kubectl against one kubeconfig, with a cache directory of its own (a fresh discovery cache per
/// test class).</summary>
internal sealed class Kubectl : IDisposable
{
    private static readonly string? Binary = new[] { "/usr/bin/kubectl", "/usr/local/bin/kubectl" }.FirstOrDefault(File.Exists);
    private readonly string _kubeconfig;
    private readonly string _cacheDirectory = Directory.CreateTempSubdirectory("skiff-kubectl-cache-").FullName;

    public Kubectl(string kubeconfig) => _kubeconfig = kubeconfig;

    /// <summary>True when kubectl is not installed, so the caller returns; under CI=true that fails the test
    /// instead.</summary>
    public static bool Missing()
    {
        if (Binary is not null)
        {
            return false;
        }

        Assert.False(string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase), "kubectl is required under CI=true");
        return true;
    }

    public async Task<(int Code, string Out, string Err)> RunAsync(params string[] args)
    {
        var startInfo = new ProcessStartInfo(Binary!) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
        foreach (var argument in new[] { "--kubeconfig", _kubeconfig, "--cache-dir", _cacheDirectory }.Concat(args))
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(90));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs kubectl, asserts that it succeeded and returns its standard output.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        var (code, output, error) = await RunAsync(args);
        Assert.True(code == 0, $"kubectl {string.Join(' ', args)} exited {code}: {output}{error}");
        return output;
    }

    /// <summary>Reads until <paramref name="done"/> holds or a minute has passed; returns the last text read.</summary>
    public static async Task<string> EventuallyAsync(Func<Task<string>> read, Func<string, bool> done)
    {
        var deadline = DateTime.UtcNow.AddSeconds(60);
        while (true)
        {
            var text = await read();
            if (done(text) || DateTime.UtcNow > deadline)
            {
                return text;
            }

            await Task.Delay(250);
        }
    }

    public void Dispose() => Directory.Delete(_cacheDirectory, recursive: true);
}
