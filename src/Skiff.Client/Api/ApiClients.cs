using k8s;

namespace Skiff.Client.Api;

/// <summary>Builds the API client of a component from a kubeconfig.</summary>
public static class ApiClients
{
    /// <summary>A client for the cluster and user of <paramref name="kubeconfigPath"/> (its current context).</summary>
    public static KubernetesApiClient FromKubeconfig(string kubeconfigPath)
    {
        var config = KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
        return FromConfiguration(config);
    }

    /// <summary>The same client with the kubeconfig read by <see cref="KubeconfigReader"/>, for a NativeAOT build, where
    /// the official client's reflection-based YAML binding cannot run.</summary>
    /// <exception cref="NotSupportedException">The context's user runs an exec credential plugin, whose answer the
    /// official client reads with the reflection-based JSON such a build lacks.</exception>
    public static KubernetesApiClient FromKubeconfigWithoutReflection(string kubeconfigPath)
    {
        var kubeconfig = KubeconfigReader.Read(kubeconfigPath);
        var contextName = kubeconfig.CurrentContext;
        var userName = kubeconfig.Contexts.FirstOrDefault(c => c.Name == contextName)?.ContextDetails?.User;
        if (kubeconfig.Users.FirstOrDefault(u => u.Name == userName)?.UserCredentials?.ExternalExecution is { } exec)
        {
            throw new NotSupportedException($"user \"{userName}\" of {kubeconfigPath} runs the credential plugin \"{exec.Command}\", which this build cannot; give it a kubeconfig with a certificate or a token, or run `skiff dns`");
        }

        return FromConfiguration(KubernetesClientConfiguration.BuildConfigFromConfigObject(kubeconfig));
    }

    /// <summary>A client of an API server in this very process, over connections that <paramref name="connect"/> opens
    /// (in-memory ones, which carry the client's identity themselves): plain HTTP/1.1, a connection per request in
    /// flight.</summary>
    public static KubernetesApiClient InProcess(Func<CancellationToken, ValueTask<Stream>> connect)
    {
        ArgumentNullException.ThrowIfNull(connect);
        var config = new KubernetesClientConfiguration
        {
            Host = "http://in-process.apiserver",
            FirstMessageHandlerSetup = handler => handler.ConnectCallback = (_, cancellationToken) => connect(cancellationToken),
        };
        return new KubernetesApiClient(new Kubernetes(config), ownsClient: true);
    }

    /// <summary>A client for <paramref name="config"/>; HTTP/2 with as many connections as streams need, so
    /// watches and calls of one process never queue behind each other.</summary>
    /// <param name="config">Server, TLS and credentials.</param>
    /// <param name="clientCertificate">A client certificate that may be rotated while the client runs (taken out of
    /// <paramref name="config"/> with <see cref="Certificates.RotatingClientCertificate.TakeFrom"/>).</param>
    public static KubernetesApiClient FromConfiguration(KubernetesClientConfiguration config, Certificates.RotatingClientCertificate? clientCertificate = null)
    {
        ArgumentNullException.ThrowIfNull(config);
        var previous = config.FirstMessageHandlerSetup;
        config.FirstMessageHandlerSetup = handler =>
        {
            previous?.Invoke(handler);
            handler.EnableMultipleHttp2Connections = true;
            // client-go's HTTP/2 health check (ReadIdleTimeout 30 s, PingTimeout 15 s): a connection that died
            // without a reset (NAT rewrote or dropped its packets) fails its streams instead of keeping every watch
            // on it, and the requests that follow, waiting forever.
            handler.KeepAlivePingDelay = TimeSpan.FromSeconds(30);
            handler.KeepAlivePingTimeout = TimeSpan.FromSeconds(15);
            handler.KeepAlivePingPolicy = System.Net.Http.HttpKeepAlivePingPolicy.WithActiveRequests;
            clientCertificate?.Attach(handler);
        };
        return new KubernetesApiClient(new Kubernetes(config), ownsClient: true);
    }
}
