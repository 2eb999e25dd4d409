using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Client.Certificates;

/// <summary>
/// One certificate through the CertificateSigningRequest API (client-go's csr.RequestCertificate and
/// WaitForCertificate): a new key, the request made with the caller's credentials, then the request read once and
/// watched until it is issued, denied, failed or deleted.
/// </summary>
public static class CertificateSigning
{
    /// <param name="api">Whose credentials make the request (a bootstrap token, or the certificate being renewed).</param>
    /// <param name="template">What to ask for.</param>
    /// <param name="generateName">The request's name prefix (<c>node-csr-</c> at bootstrap, <c>csr-</c> for renewals).</param>
    /// <param name="timeout">How long to wait for the certificate.</param>
    /// <param name="time">The clock of the timeout.</param>
    /// <param name="created">Told the request's name once it exists.</param>
    /// <param name="cancellationToken">Stops waiting.</param>
    /// <returns>The issued certificate and its key, both PEM.</returns>
    public static async Task<(string CertificatePem, string KeyPem)> RequestAsync(
        IApiClient api, CertificateTemplate template, string generateName, TimeSpan timeout, TimeProvider time, Action<string>? created, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(api);
        ArgumentNullException.ThrowIfNull(template);
        var (request, key) = template.CreateRequest(generateName);
        using (key)
        {
            var made = await api.CreateAsync(request, cancellationToken);
            created?.Invoke(made.Metadata.Name);
            var certificate = await WaitAsync(api, made.Metadata.Name, timeout, time, cancellationToken);
            return (certificate, key.ExportPkcs8PrivateKeyPem());
        }
    }

    private static async Task<string> WaitAsync(IApiClient api, string name, TimeSpan timeout, TimeProvider time, CancellationToken cancellationToken)
    {
        using var expiry = new CancellationTokenSource(timeout, time);
        using var linked = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken, expiry.Token);
        try
        {
            while (true)
            {
                var request = await api.GetAsync<V1CertificateSigningRequest>(null, name, linked.Token)
                    ?? throw new CertificateRotationException($"certificatesigningrequest {name} was deleted before it was issued");
                if (IssuedCertificate(request) is { } issued)
                {
                    return issued;
                }

                var options = new WatchOptions { FieldSelector = "metadata.name=" + name, ResourceVersion = request.Metadata.ResourceVersion };
                await foreach (var change in api.WatchAsync<V1CertificateSigningRequest>(options, linked.Token))
                {
                    if (change.Kind == WatchEventKind.Deleted)
                    {
                        throw new CertificateRotationException($"certificatesigningrequest {name} was deleted before it was issued");
                    }

                    if (change.Object is { } updated && IssuedCertificate(updated) is { } certificate)
                    {
                        return certificate;
                    }
                }

                // The watch ended (the server's timeout): read again and watch on.
            }
        }
        catch (OperationCanceledException) when (expiry.IsCancellationRequested && !cancellationToken.IsCancellationRequested)
        {
            throw new CertificateRotationException($"certificatesigningrequest {name} was not issued within {timeout.TotalMinutes:0} minutes");
        }
    }

    /// <summary>The certificate once issued; throws when the request was denied or failed; null while pending.</summary>
    private static string? IssuedCertificate(V1CertificateSigningRequest request)
    {
        var refused = request.Status?.Conditions?.FirstOrDefault(c => c.Type is "Denied" or "Failed" && c.Status == "True");
        if (refused is not null)
        {
            throw new CertificateRotationException(
                $"certificatesigningrequest {request.Metadata.Name} was {refused.Type.ToLowerInvariant()}: {refused.Reason} {refused.Message}".TrimEnd());
        }

        return request.Status?.Certificate is { Length: > 0 } certificate ? System.Text.Encoding.ASCII.GetString(certificate) : null;
    }
}
