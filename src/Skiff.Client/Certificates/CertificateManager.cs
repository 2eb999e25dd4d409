using System.Security.Cryptography.X509Certificates;
using Microsoft.Extensions.Logging;
using Skiff.Client.Api;

namespace Skiff.Client.Certificates;

/// <summary>
/// Keeps a client certificate valid by renewing it through the CertificateSigningRequest API before it expires
/// (client-go's certificate manager, as the kubelet runs it for <c>--rotate-certificates</c>): at the
/// <see cref="RotationDeadline"/> it makes a new key, asks the signer with the current identity, waits until the
/// request is approved and issued, stores the result, then switches the connections to it. A failed renewal is retried
/// with exponential back-off (2 s up to 5 min) until the certificate expires.
/// </summary>
public sealed class CertificateManager
{
    /// <summary>How long one request may wait for approval and issuance (upstream's certificateWaitTimeout).</summary>
    public static readonly TimeSpan WaitTimeout = TimeSpan.FromMinutes(15);

    private static readonly TimeSpan InitialBackoff = TimeSpan.FromSeconds(2);
    private static readonly TimeSpan MaxBackoff = TimeSpan.FromMinutes(5);

    // Task.Delay cannot wait longer than ~49 days at once; a year's certificate waits in steps.
    private static readonly TimeSpan LongestDelay = TimeSpan.FromDays(1);

    private readonly IApiClient _api;
    private readonly RotatingClientCertificate _certificate;
    private readonly CertificateTemplate _template;
    private readonly Func<string, string, CancellationToken, Task> _store;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly Random _random;

    /// <param name="api">A client that authenticates with <paramref name="certificate"/>.</param>
    /// <param name="certificate">The certificate to renew and switch.</param>
    /// <param name="template">What to ask for.</param>
    /// <param name="store">Writes the new certificate and key (both PEM) where the next start finds them, before
    /// the connections switch to them.</param>
    /// <param name="time">The clock.</param>
    /// <param name="logger">Where renewals and failures are told.</param>
    /// <param name="random">Where in the 70–90% window each deadline falls.</param>
    public CertificateManager(
        IApiClient api,
        RotatingClientCertificate certificate,
        CertificateTemplate template,
        Func<string, string, CancellationToken, Task> store,
        TimeProvider time,
        ILogger logger,
        Random? random = null)
    {
        _api = api;
        _certificate = certificate;
        _template = template;
        _store = store;
        _time = time;
        _logger = logger;
        _random = random ?? Random.Shared;
    }

    public async Task RunAsync(CancellationToken cancellationToken)
    {
        // Cancelled, it always ends with OperationCanceledException, even when the token fires between two rotations
        // (a loop condition ended it quietly when the token fired right after a rotation).
        while (true)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var current = _certificate.Current;
            var deadline = RotationDeadline.Of(current, _random.NextDouble());
            _logger.LogInformation(
                "Certificate expiration is {Expiration:O}, rotation deadline is {Deadline:O}", current.NotAfter.ToUniversalTime(), deadline.UtcDateTime);
            await WaitUntilAsync(deadline, cancellationToken);
            await RenewWithBackoffAsync(current, cancellationToken);
        }
    }

    /// <summary>One renewal now: request, wait for the certificate, store it, switch to it.</summary>
    public async Task RotateAsync(CancellationToken cancellationToken)
    {
        var (certificatePem, keyPem) = await CertificateSigning.RequestAsync(
            _api,
            _template,
            "csr-",
            WaitTimeout,
            _time,
            name => _logger.LogInformation("Rotating the client certificate {Subject}: certificatesigningrequest {Name}", _template.CommonName, name),
            cancellationToken);
        var next = X509Certificate2.CreateFromPem(certificatePem, keyPem);
        var subject = next.GetNameInfo(X509NameType.SimpleName, false);
        if (subject != _template.CommonName)
        {
            next.Dispose();
            throw new CertificateRotationException($"the certificate issued was for {subject}, not {_template.CommonName}");
        }

        await _store(certificatePem, keyPem, cancellationToken);
        var open = _certificate.OpenConnections;
        _certificate.Replace(next);
        _logger.LogInformation(
            "Rotated the client certificate {Subject}: valid until {Expiration:O}; {Connections} connection(s) reopen with it",
            subject, next.NotAfter.ToUniversalTime(), open);
    }

    private async Task RenewWithBackoffAsync(X509Certificate2 current, CancellationToken cancellationToken)
    {
        var backoff = InitialBackoff;
        while (true)
        {
            try
            {
                await RotateAsync(cancellationToken);
                return;
            }
            catch (Exception e) when (IsRetriable(e) && !cancellationToken.IsCancellationRequested)
            {
                var expired = current.NotAfter.ToUniversalTime() <= _time.GetUtcNow().UtcDateTime;
                _logger.LogError(
                    "Failed while requesting a signed certificate from the control plane: {Message}{Expired}; retrying in {Backoff}",
                    e.Message,
                    expired ? $" (the client certificate expired at {current.NotAfter.ToUniversalTime():O}: the node must join again with a bootstrap token)" : string.Empty,
                    backoff);
                await Task.Delay(backoff, _time, cancellationToken);
                backoff = backoff * 2 < MaxBackoff ? backoff * 2 : MaxBackoff;
            }
        }
    }

    private static bool IsRetriable(Exception e) =>
        e is ApiException or HttpRequestException or IOException or CertificateRotationException or System.Security.Cryptography.CryptographicException
            or OperationCanceledException;

    private async Task WaitUntilAsync(DateTimeOffset deadline, CancellationToken cancellationToken)
    {
        while (deadline - _time.GetUtcNow() is var left && left > TimeSpan.Zero)
        {
            await Task.Delay(left < LongestDelay ? left : LongestDelay, _time, cancellationToken);
        }
    }
}
