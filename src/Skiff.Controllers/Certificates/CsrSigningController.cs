using System.Security.Cryptography;
using System.Text;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Api.Certificates;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Informers;
using Skiff.Client.Queue;

namespace Skiff.Controllers.Certificates;

/// <summary>
/// Upstream's csrsigning controller: an Approved, not Failed CertificateSigningRequest for one of the in-tree signers
/// (<see cref="KubernetesSigners"/>) gets its certificate from the cluster CA in <c>status.certificate</c>, valid for
/// <c>spec.expirationSeconds</c> up to the signing duration (upstream's --cluster-signing-duration, one year). A
/// request the signer refuses gets a Failed condition (reason SignerValidationFailure) instead. Denied, pending and
/// other signers' requests are left alone.
/// </summary>
public sealed class CsrSigningController : IDisposable
{
    private readonly IApiClient _api;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SigningAuthority _authority;
    private readonly TimeSpan _maxDuration;
    private readonly SharedInformer<V1CertificateSigningRequest> _requests;
    private readonly IHandlerRegistration _registration;

    public CsrSigningController(ComponentContext context, SigningAuthority authority, TimeSpan maxDuration)
    {
        ArgumentNullException.ThrowIfNull(context);
        _api = context.Api;
        _time = context.Time;
        _logger = context.Loggers.CreateLogger("Skiff.Controllers.CsrSigning");
        _authority = authority;
        _maxDuration = maxDuration;
        _requests = context.Informers.Get<V1CertificateSigningRequest>();
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(context.Time), context.Time, "certificate");
        _registration = _requests.AddEventHandler(new ResourceEventHandler<V1CertificateSigningRequest>
        {
            Added = (csr, _) => Queue.Add(csr.Metadata.Name),
            Updated = (_, csr) => Queue.Add(csr.Metadata.Name),
        });
    }

    public WorkQueue<string> Queue { get; }

    public async Task RunAsync(int workers, CancellationToken cancellationToken)
    {
        await _requests.WaitForSyncAsync(cancellationToken);
        await QueueWorkers.RunAsync(Queue, workers, SyncAsync, _logger, cancellationToken);
    }

    public async Task SyncAsync(string key, CancellationToken cancellationToken)
    {
        var cached = _requests.Cache.GetByKey(key);
        if (cached?.Spec is null || CertificateRequestStatus.IsIssued(cached)
            || !CertificateRequestStatus.Has(cached, CertificateRequestStatus.Approved) || CertificateRequestStatus.Has(cached, CertificateRequestStatus.Failed)
            || !KubernetesSigners.Names.Contains(cached.Spec.SignerName))
        {
            return;
        }

        var spec = cached.Spec;
        var csr = ObjectCopy.Clone(cached);
        var usages = (IReadOnlyCollection<string>?)spec.Usages?.ToList() ?? [];
        string? problem;
        string? certificate = null;
        try
        {
            var request = SigningAuthority.Load(spec.Request);
            problem = KubernetesSigners.Check(spec.SignerName, request, usages);
            if (problem is null)
            {
                certificate = _authority.Issue(request, usages, Lifetime(spec.ExpirationSeconds), _time.GetUtcNow());
            }
        }
        catch (CryptographicException e)
        {
            problem = "unable to parse csr: " + e.Message;
        }

        csr.Status ??= new V1CertificateSigningRequestStatus();
        if (certificate is not null)
        {
            csr.Status.Certificate = Encoding.ASCII.GetBytes(certificate);
        }
        else
        {
            var now = _time.GetUtcNow().UtcDateTime;
            csr.Status.Conditions ??= [];
            csr.Status.Conditions.Add(new V1CertificateSigningRequestCondition
            {
                Type = CertificateRequestStatus.Failed, Status = "True", Reason = "SignerValidationFailure", Message = problem, LastUpdateTime = now, LastTransitionTime = now,
            });
        }

        await _api.UpdateStatusAsync(csr, cancellationToken);
        _logger.LogInformation("certificate signing request {Name} for {Signer}: {Outcome}", key, spec.SignerName, certificate is not null ? "issued" : "failed: " + problem);
    }

    public void Dispose()
    {
        _registration.Dispose();
        Queue.Dispose();
    }

    /// <summary>The requested duration (at least 10 minutes, as validation ensures) capped by the signing duration.</summary>
    private TimeSpan Lifetime(int? expirationSeconds) =>
        expirationSeconds is { } seconds && TimeSpan.FromSeconds(seconds) < _maxDuration ? TimeSpan.FromSeconds(seconds) : _maxDuration;
}
