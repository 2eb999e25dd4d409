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

/// <summary>A joined node: its kubeconfig (client certificate <c>system:node:&lt;name&gt;</c>) and kubelet serving certificate.</summary>
internal sealed record JoinedNode(string KubeconfigPath, X509Certificate2 ServingCertificate);

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
