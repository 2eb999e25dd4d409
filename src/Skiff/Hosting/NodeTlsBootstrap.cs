using System.Security.Cryptography.X509Certificates;
using k8s;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;
using Skiff.Client.Certificates;

namespace Skiff.Hosting;

/// <summary>
/// The kubelet's TLS bootstrap with a bootstrap token (upstream's kubelet --bootstrap-kubeconfig): a new key, a
/// CertificateSigningRequest for <c>system:node:&lt;name&gt;</c> in <c>system:nodes</c> to the
/// <c>kube-apiserver-client-kubelet</c> signer made as the token's user, then watching it until it is approved (the
/// controller manager's csrapproving does it for <c>system:bootstrappers</c>) and its certificate issued.
/// </summary>
internal static class NodeTlsBootstrap
{
    /// <summary>How long a join waits for approval (upstream's kubelet gives its bootstrap request an hour).</summary>
    private static readonly TimeSpan WaitTimeout = TimeSpan.FromHours(1);
    private static readonly TimeSpan ReminderInterval = TimeSpan.FromSeconds(30);

    /// <summary>The issued client certificate and its key, both PEM.</summary>
    public static async Task<(string CertificatePem, string KeyPem)> RequestClientCertificateAsync(
        Uri server, X509Certificate2 ca, string bootstrapToken, string nodeName, ILogger logger, CancellationToken cancellationToken)
    {
        // The server is trusted only through the CA the join token's hash verified.
        var config = new KubernetesClientConfiguration { Host = server.ToString(), AccessToken = bootstrapToken, SslCaCerts = [ca] };
        using var api = ApiClients.FromConfiguration(config);
        using var stopReminders = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        var reminders = Task.CompletedTask;
        try
        {
            return await CertificateSigning.RequestAsync(
                api,
                CertificateTemplate.KubeletClient(nodeName),
                "node-csr-",
                WaitTimeout,
                TimeProvider.System,
                name =>
                {
                    logger.LogInformation("Requested a client certificate for node {Node}: certificatesigningrequest {Name}; waiting for its approval", nodeName, name);
                    reminders = RemindAsync(name, logger, stopReminders.Token);
                },
                cancellationToken);
        }
        catch (ApiException e)
        {
            // 401: the token is unknown, expired or not for authentication; the server never says which.
            throw new NodeJoinException($"the server refused the bootstrap token ({(int)e.StatusCode}): {e.Status?.Message ?? e.Message}");
        }
        catch (CertificateRotationException e)
        {
            throw new NodeJoinException($"node {nodeName} got no client certificate: {e.Message}");
        }
        finally
        {
            await stopReminders.CancelAsync();
            await reminders;
        }
    }

    /// <summary>Tells the operator what to do while the request waits for someone to approve it.</summary>
    private static async Task RemindAsync(string name, ILogger logger, CancellationToken cancellationToken)
    {
        using var timer = new PeriodicTimer(ReminderInterval, TimeProvider.System);
        try
        {
            while (await timer.WaitForNextTickAsync(cancellationToken))
            {
                logger.LogInformation("Still waiting for certificatesigningrequest {Name} to be approved (kubectl certificate approve {Name})", name, name);
            }
        }
        catch (OperationCanceledException)
        {
        }
    }
}
