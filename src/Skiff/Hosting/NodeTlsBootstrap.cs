using System.Net.Http.Headers;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Client.Certificates;

namespace Skiff.Hosting;

/// <summary>
/// The kubelet's TLS bootstrap with a bootstrap token (upstream's kubelet --bootstrap-kubeconfig): a new key, a
/// CertificateSigningRequest for <c>system:node:&lt;name&gt;</c> in <c>system:nodes</c> to the
/// <c>kube-apiserver-client-kubelet</c> signer made as the token's user, then waiting until the request is approved
/// (the controller manager's csrapproving does it for <c>system:bootstrappers</c>) and its certificate issued.
/// </summary>
internal static class NodeTlsBootstrap
{
    private const string CsrPath = "/apis/certificates.k8s.io/v1/certificatesigningrequests";

    /// <summary>The issued client certificate and its key, both PEM.</summary>
    public static async Task<(string CertificatePem, string KeyPem)> RequestClientCertificateAsync(
        HttpClient pinned, string bootstrapToken, string nodeName, ILogger logger, CancellationToken cancellationToken)
    {
        var (csr, requestKey) = CertificateTemplate.KubeletClient(nodeName).CreateRequest("node-csr-");
        using var key = requestKey;
        var created = await SendAsync(pinned, HttpMethod.Post, CsrPath, bootstrapToken, csr, cancellationToken);
        var name = created.Metadata.Name;
        logger.LogInformation("Requested a client certificate for node {Node}: certificatesigningrequest {Name}; waiting for its approval", nodeName, name);
        var waited = TimeSpan.Zero;
        var poll = TimeSpan.FromSeconds(1);
        while (true)
        {
            var current = await SendAsync(pinned, HttpMethod.Get, $"{CsrPath}/{name}", bootstrapToken, null, cancellationToken);
            var conditions = current.Status?.Conditions ?? [];
            if (conditions.FirstOrDefault(c => c.Type is "Denied" or "Failed" && c.Status == "True") is { } refused)
            {
                throw new NodeJoinException($"certificatesigningrequest {name} for node {nodeName} was {refused.Type.ToLowerInvariant()}: {refused.Reason} {refused.Message}".TrimEnd());
            }

            if (current.Status?.Certificate is { Length: > 0 } issued)
            {
                return (Encoding.ASCII.GetString(issued), key.ExportPkcs8PrivateKeyPem());
            }

            if (waited > TimeSpan.Zero && waited.TotalSeconds % 30 == 0)
            {
                logger.LogInformation("Still waiting for certificatesigningrequest {Name} to be approved (kubectl certificate approve {Name})", name, name);
            }

            await Task.Delay(poll, cancellationToken);
            waited += poll;
        }
    }

    private static async Task<V1CertificateSigningRequest> SendAsync(
        HttpClient http, HttpMethod method, string path, string token, V1CertificateSigningRequest? body, CancellationToken cancellationToken)
    {
        using var message = new HttpRequestMessage(method, path);
        message.Headers.Authorization = new AuthenticationHeaderValue("Bearer", token);
        if (body is not null)
        {
            message.Content = new StringContent(KubernetesJson.Serialize(body), Encoding.UTF8, "application/json");
        }

        using var response = await http.SendAsync(message, cancellationToken);
        var text = await response.Content.ReadAsStringAsync(cancellationToken);
        if (!response.IsSuccessStatusCode)
        {
            // 401: the token is unknown, expired or not for authentication; the server never says which.
            var status = TryStatusMessage(text) ?? text.Trim();
            throw new NodeJoinException($"the server refused the bootstrap token ({(int)response.StatusCode}): {status}");
        }

        return KubernetesJson.Deserialize<V1CertificateSigningRequest>(text);
    }

    private static string? TryStatusMessage(string text)
    {
        try
        {
            return KubernetesJson.Deserialize<V1Status>(text)?.Message;
        }
        catch (System.Text.Json.JsonException)
        {
            return null;
        }
    }
}
