using System.Diagnostics;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Apimachinery;
using Skiff.ApiServer;
using Skiff.Cli;
using Skiff.Storage.Memory;

namespace Skiff.Cli.Tests;

/// <summary>The outcome of one CLI run.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public override string ToString() => $"exit {ExitCode}\n--- stdout:\n{Stdout}\n--- stderr:\n{Stderr}";
}

/// <summary>
/// A real Skiff API server in-process (memory store, HTTPS on a free loopback port), plus runners for the real
/// kubectl (fresh discovery cache) and for <c>skiff kubectl</c> against its kubeconfig.
/// </summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private ApiServerHandle? _server;

    public string DataDirectory { get; } = Directory.CreateTempSubdirectory("skiff-cli-").FullName;

    public string KubectlCacheDirectory { get; } = Directory.CreateTempSubdirectory("skiff-cli-kubectl-").FullName;

    public string KubeconfigPath => _server?.KubeconfigPath ?? throw new InvalidOperationException("server not started");

    /// <summary>The real kubectl, or null when it is not installed (tests then skip locally and fail under CI).</summary>
    public static string? KubectlPath => new[] { "/usr/bin/kubectl", "/usr/local/bin/kubectl" }.FirstOrDefault(File.Exists);

    public static bool InCi => string.Equals(Environment.GetEnvironmentVariable("CI"), "true", StringComparison.OrdinalIgnoreCase);

    public async Task InitializeAsync()
    {
        _server = await ApiServer.ApiServer.StartAsync(
            new ApiServerOptions
            {
                DataDirectory = DataDirectory,
                Port = 0,
                Resources = ResourceCatalog.CreateBuiltIn().All,
            },
            new MemoryStore(),
            NullLoggerFactory.Instance,
            CancellationToken.None);
    }

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }

        TryDelete(DataDirectory);
        TryDelete(KubectlCacheDirectory);
    }

    public async Task<CliResult> SkiffAsync(params string[] args) => await SkiffWithInputAsync(string.Empty, args);

    public async Task<CliResult> SkiffWithInputAsync(string stdin, params string[] args)
    {
        using var stdout = new StringWriter();
        using var stderr = new StringWriter();
        using var input = new StringReader(stdin);
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        var code = await SkiffKubectl.RunAsync(["--kubeconfig", KubeconfigPath, .. args], stdout, stderr, input, _ => null, timeout.Token);
        return new CliResult(code, stdout.ToString(), stderr.ToString());
    }

    /// <summary>Runs the real kubectl; call <see cref="RequireKubectl"/> first.</summary>
    public async Task<CliResult> KubectlAsync(params string[] args) => await KubectlWithInputAsync(string.Empty, args);

    public async Task<CliResult> KubectlWithInputAsync(string stdin, params string[] args)
    {
        var startInfo = new ProcessStartInfo(KubectlPath!)
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { "--kubeconfig", KubeconfigPath, "--cache-dir", KubectlCacheDirectory }.Concat(args))
        {
            startInfo.ArgumentList.Add(argument);
        }

        using var process = Process.Start(startInfo) ?? throw new InvalidOperationException("could not start kubectl");
        await process.StandardInput.WriteAsync(stdin);
        process.StandardInput.Close();
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromSeconds(60));
        try
        {
            await process.WaitForExitAsync(timeout.Token);
        }
        catch (OperationCanceledException)
        {
            process.Kill(entireProcessTree: true);
            throw;
        }

        return new CliResult(process.ExitCode, await stdout, await stderr);
    }

    /// <summary>False (skip) when kubectl is missing locally; under CI=true a missing kubectl fails the test.</summary>
    public static bool RequireKubectl()
    {
        if (KubectlPath is not null)
        {
            return true;
        }

        Assert.False(InCi, "kubectl is required under CI=true but was not found in /usr/bin or /usr/local/bin");
        return false;
    }

    private static void TryDelete(string path)
    {
        try
        {
            Directory.Delete(path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
