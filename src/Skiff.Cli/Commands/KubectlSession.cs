using Skiff.Cli.Api;
using Skiff.Cli.Config;

namespace Skiff.Cli.Commands;

/// <summary>One <c>skiff kubectl</c> invocation: its streams, environment, and (lazily) its connection and discovery.</summary>
public sealed class KubectlSession : IDisposable
{
    private readonly ConnectionFlags _flags;
    private ResolvedConfig? _config;
    private ApiClient? _api;
    private Discovery? _discovery;

    public KubectlSession(ConnectionFlags flags, TextWriter output, TextWriter error, TextReader input, Func<string, string?> environment)
    {
        _flags = flags;
        Out = output;
        Err = error;
        In = input;
        Environment = environment;
    }

    public TextWriter Out { get; }

    public TextWriter Err { get; }

    public TextReader In { get; }

    public Func<string, string?> Environment { get; }

    public TimeProvider Time { get; init; } = TimeProvider.System;

    public async Task<ResolvedConfig> ConfigAsync()
    {
        _config ??= await KubeconfigResolver.ResolveAsync(_flags, Environment);
        return _config;
    }

    public async Task<string> NamespaceAsync() => (await ConfigAsync()).Namespace;

    public async Task<ApiClient> ApiAsync()
    {
        _api ??= new ApiClient((await ConfigAsync()).Client);
        return _api;
    }

    public async Task<Discovery> DiscoveryAsync(CancellationToken cancellationToken)
    {
        _discovery ??= await Discovery.LoadAsync(await ApiAsync(), cancellationToken);
        return _discovery;
    }

    public void Dispose() => _api?.Dispose();
}
