using System.Diagnostics;

namespace Skiff.ApiServer.Tests;

/// <summary>Runs the real kubectl against the fixture's server with its kubeconfig and a fresh cache dir.</summary>
public sealed class Kubectl
{
    public const string Binary = "/usr/bin/kubectl";

    private readonly ServerFixture _fx;
    private readonly string _cacheDir;

    // A fresh cache per test, inside the fixture's directory, which goes with the fixture: xUnit makes a test class
    // (and its Kubectl) anew for every test, and a cache of each left in the temp directory piled up by the hundred.
    public Kubectl(ServerFixture fx)
    {
        ArgumentNullException.ThrowIfNull(fx);
        _fx = fx;
        _cacheDir = Path.Combine(fx.Directory, "kubectl-cache-" + Guid.NewGuid().ToString("N"));
    }

    /// <summary>True when kubectl can run here. Missing kubectl fails the test on CI (CI=true) and skips it locally.</summary>
    public static bool Available()
    {
        if (File.Exists(Binary))
        {
            return true;
        }

        Assert.False(Environment.GetEnvironmentVariable("CI") == "true", $"{Binary} is required on CI");
        return false;
    }

    public async Task<(int Code, string Out, string Err)> RunAsync(params string[] args) => await RunWithTimeoutAsync(TimeSpan.FromSeconds(60), args);

    public async Task<(int Code, string Out, string Err)> RunWithTimeoutAsync(TimeSpan timeout, params string[] args)
    {
        var start = new ProcessStartInfo(Binary)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        start.ArgumentList.Add("--kubeconfig");
        start.ArgumentList.Add(_fx.Server.KubeconfigPath);
        start.ArgumentList.Add("--cache-dir");
        start.ArgumentList.Add(_cacheDir);
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var cts = new CancellationTokenSource(timeout);
        try
        {
            await process.WaitForExitAsync(cts.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            await process.WaitForExitAsync();
        }

        return (process.ExitCode, await stdout, await stderr);
    }

    /// <summary>Runs kubectl and fails the test with its output when it exits non-zero.</summary>
    public async Task<string> OkAsync(params string[] args)
    {
        var (code, output, error) = await RunAsync(args);
        Assert.True(code == 0, $"kubectl {string.Join(' ', args)} exited {code}\nstdout: {output}\nstderr: {error}");
        return output;
    }

    public async Task<string> WriteFileAsync(string name, string content)
    {
        var path = Path.Combine(_fx.Directory, name);
        await File.WriteAllTextAsync(path, content);
        return path;
    }
}
