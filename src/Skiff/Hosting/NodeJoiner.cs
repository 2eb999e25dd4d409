using System.Net.Http.Headers;
using System.Net.Http.Json;
using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Skiff.ApiServer.Bootstrap;
using Skiff.ApiServer.Security;

namespace Skiff.Hosting;

/// <summary>
/// Joins this node to a server with the join token: fetches the server's CA without verifying the connection, accepts
/// it only if its hash is the one in the token, then — over a connection pinned to that CA — asks for the node's
/// credentials and writes them as the agent's kubeconfig and kubelet serving certificate.
/// </summary>
internal static class NodeJoiner
{
    public static async Task<JoinedNode> JoinAsync(Uri server, JoinToken token, string nodeName, string nodeIp, string agentDirectory, ILogger logger, CancellationToken cancellationToken)
    {
        var ca = await FetchVerifiedCaAsync(server, token, cancellationToken);
        if (token.IsBootstrapToken)
        {
            return await JoinWithBootstrapTokenAsync(server, ca, token, nodeName, agentDirectory, logger, cancellationToken);
        }

        using var pinned = new SocketsHttpHandler
        {
            UseProxy = false,
            SslOptions =
            {
                CertificateChainPolicy = new X509ChainPolicy
                {
                    TrustMode = X509ChainTrustMode.CustomRootTrust,
                    CustomTrustStore = { ca },
                    RevocationMode = X509RevocationMode.NoCheck,
                },
            },
        };
        using var http = new HttpClient(pinned) { BaseAddress = server, Timeout = TimeSpan.FromSeconds(30) };

        using var request = new HttpRequestMessage(HttpMethod.Post, NodeBootstrapEndpoint.CredentialsPath)
        {
            Content = JsonContent.Create(new NodeCredentialsRequest(nodeName, [nodeIp]), BootstrapJson.Default.NodeCredentialsRequest),
        };
        request.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token.Format());
        using var response = await http.SendAsync(request, cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            var body = await response.Content.ReadAsStringAsync(cancellationToken);
            throw new NodeJoinException($"the server refused to issue credentials for node {nodeName}: {(int)response.StatusCode} {body.Trim()}");
        }

        var credentials = await response.Content.ReadFromJsonAsync(BootstrapJson.Default.NodeCredentials, cancellationToken)
            ?? throw new NodeJoinException("the server sent empty node credentials");

        Directory.CreateDirectory(agentDirectory);
        var kubeconfigPath = Path.Combine(agentDirectory, "kubeconfig.yaml");
        await KubeconfigWriter.WriteAsync(
            kubeconfigPath,
            KubeconfigWriter.Render(server.ToString().TrimEnd('/'), credentials.CaCertificate, credentials.ClientCertificate, credentials.ClientKey),
            cancellationToken);
        logger.LogInformation("Joined {Server} as node {Node}; kubeconfig at {Kubeconfig}", server, nodeName, kubeconfigPath);
        return new JoinedNode(kubeconfigPath, X509Certificate2.CreateFromPem(credentials.ServingCertificate, credentials.ServingKey));
    }

    /// <summary>
    /// TLS bootstrap: the client certificate through a CertificateSigningRequest made with the bootstrap token; the
    /// kubelet serves with a self-signed certificate as upstream's does without server TLS bootstrap.
    /// </summary>
    private static async Task<JoinedNode> JoinWithBootstrapTokenAsync(
        Uri server, X509Certificate2 ca, JoinToken token, string nodeName, string agentDirectory, ILogger logger, CancellationToken cancellationToken)
    {
        Directory.CreateDirectory(agentDirectory);
        var kubeconfigPath = Path.Combine(agentDirectory, "kubeconfig.yaml");
        if (ExistingCredentialsValid(kubeconfigPath, ca, nodeName))
        {
            logger.LogInformation("Node {Node} already holds a client certificate from {Server}; no new request", nodeName, server);
            return new JoinedNode(kubeconfigPath, null);
        }

        var (certificate, key) = await NodeTlsBootstrap.RequestClientCertificateAsync(server, ca, token.Secret, nodeName, logger, cancellationToken);
        await KubeconfigWriter.WriteAsync(kubeconfigPath, KubeconfigWriter.Render(server.ToString().TrimEnd('/'), ca.ExportCertificatePem(), certificate, key), cancellationToken);
        logger.LogInformation("Joined {Server} as node {Node} with bootstrap token {Token}; kubeconfig at {Kubeconfig}", server, nodeName, token, kubeconfigPath);
        return new JoinedNode(kubeconfigPath, null);
    }

    /// <summary>Whether the kubeconfig left by an earlier join still holds a certificate for this node from this CA
    /// that has not expired, so a restart does not ask again (the bootstrap token may be gone by then).</summary>
    private static bool ExistingCredentialsValid(string kubeconfigPath, X509Certificate2 ca, string nodeName)
    {
        if (!File.Exists(kubeconfigPath))
        {
            return false;
        }

        try
        {
            var config = k8s.KubernetesClientConfiguration.BuildConfigFromConfigFile(kubeconfigPath);
            if (config.ClientCertificateData is not { Length: > 0 } data)
            {
                return false;
            }

            using var certificate = X509Certificate2.CreateFromPem(System.Text.Encoding.UTF8.GetString(Convert.FromBase64String(data)));
            using var chain = new X509Chain();
            chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
            chain.ChainPolicy.CustomTrustStore.Add(ca);
            chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
            return certificate.GetNameInfo(X509NameType.SimpleName, false) == "system:node:" + nodeName
                && certificate.NotAfter.ToUniversalTime() > DateTime.UtcNow.AddMinutes(5)
                && chain.Build(certificate);
        }
        catch (Exception e) when (e is System.Security.Cryptography.CryptographicException or FormatException or IOException or k8s.Exceptions.KubeConfigException)
        {
            return false;
        }
    }

    /// <summary>Trust on first use, checked: the CA is taken from the server only if it hashes to the token's hash.</summary>
    private static async Task<X509Certificate2> FetchVerifiedCaAsync(Uri server, JoinToken token, CancellationToken cancellationToken)
    {
        using var insecure = new SocketsHttpHandler
        {
            UseProxy = false,
            // Nothing secret travels on this connection; what it returns is verified against the token below.
            SslOptions = { RemoteCertificateValidationCallback = (_, _, _, _) => true },
        };
        using var http = new HttpClient(insecure) { Timeout = TimeSpan.FromSeconds(30) };
        string pem;
        try
        {
            pem = await http.GetStringAsync(new Uri(server, NodeBootstrapEndpoint.CaPath), cancellationToken);
        }
        catch (HttpRequestException e)
        {
            throw new NodeJoinException($"cannot reach the server at {server}: {e.Message}");
        }

        X509Certificate2 ca;
        try
        {
            ca = X509Certificate2.CreateFromPem(pem);
        }
        catch (System.Security.Cryptography.CryptographicException e)
        {
            throw new NodeJoinException($"the server at {server} sent no CA certificate: {e.Message}");
        }

        var hash = JoinToken.HashOf(ca);
        if (hash != token.CaHash)
        {
            ca.Dispose();
            throw new NodeJoinException($"the CA of {server} (sha256 {hash}) is not the one the join token names ({token.CaHash}); refusing to trust it");
        }

        return ca;
    }
}

/// <summary>A joined node: its kubeconfig (client certificate <c>system:node:&lt;name&gt;</c>) and kubelet serving
/// certificate (null: the kubelet makes a self-signed one).</summary>
internal sealed record JoinedNode(string KubeconfigPath, X509Certificate2? ServingCertificate);

/// <summary>Joining failed in a way the user can act on (unreachable server, wrong token, foreign CA).</summary>
internal sealed class NodeJoinException : Exception
{
    public NodeJoinException()
    {
    }

    public NodeJoinException(string message)
        : base(message)
    {
    }

    public NodeJoinException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
