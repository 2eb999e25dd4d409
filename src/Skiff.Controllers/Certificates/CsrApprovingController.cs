using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Api.Certificates;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Informers;
using Skiff.Client.Queue;

namespace Skiff.Controllers.Certificates;

/// <summary>
/// Upstream's csrapproving controller: a pending kubelet client certificate request
/// (<see cref="KubernetesSigners.IsKubeletClientRequest"/>, signer <c>kube-apiserver-client-kubelet</c>) is approved
/// when its requester may <c>create</c> <c>certificatesigningrequests/selfnodeclient</c> (a node renewing its own
/// certificate: the subject is the requester) or <c>certificatesigningrequests/nodeclient</c> (a bootstrap identity
/// joining a new node), asked through a SubjectAccessReview with the requester's name and groups from the request.
/// Everything else is left for a person or another approver; nothing is ever denied here.
/// </summary>
public sealed class CsrApprovingController : IDisposable
{
    private static readonly (string Subresource, bool SelfOnly, string Message)[] Recognizers =
    [
        ("selfnodeclient", true, "Auto approving self kubelet client certificate after SubjectAccessReview."),
        ("nodeclient", false, "Auto approving kubelet client certificate after SubjectAccessReview."),
    ];

    private readonly IApiClient _api;
    private readonly ISubjectAccessReviewer _reviewer;
    private readonly TimeProvider _time;
    private readonly ILogger _logger;
    private readonly SharedInformer<V1CertificateSigningRequest> _requests;
    private readonly IHandlerRegistration _registration;

    public CsrApprovingController(ComponentContext context, ISubjectAccessReviewer reviewer)
    {
        ArgumentNullException.ThrowIfNull(context);
        _api = context.Api;
        _reviewer = reviewer;
        _time = context.Time;
        _logger = context.Loggers.CreateLogger("Skiff.Controllers.CsrApproving");
        _requests = context.Informers.Get<V1CertificateSigningRequest>();
        Queue = new WorkQueue<string>(RateLimiters.DefaultController<string>(context.Time), context.Time, "csrapproving");
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
        if (cached?.Spec is not { SignerName: KubernetesSigners.KubeletClient } spec || CertificateRequestStatus.IsIssued(cached)
            || CertificateRequestStatus.Has(cached, CertificateRequestStatus.Approved) || CertificateRequestStatus.Has(cached, CertificateRequestStatus.Denied))
        {
            return;
        }

        CertificateRequest request;
        try
        {
            request = SigningAuthority.Load(spec.Request);
        }
        catch (CryptographicException e)
        {
            _logger.LogInformation("certificate signing request {Name}: unable to parse: {Reason}", key, e.Message);
            return; // the signer marks it Failed; retrying cannot parse it either
        }

        var usages = (IReadOnlyCollection<string>?)spec.Usages?.ToList() ?? [];
        if (!KubernetesSigners.IsKubeletClientRequest(request, usages))
        {
            return;
        }

        var tried = new List<string>();
        foreach (var (subresource, selfOnly, message) in Recognizers)
        {
            if (selfOnly && spec.Username != KubernetesSigners.CommonName(request))
            {
                continue;
            }

            tried.Add(subresource);
            var allowed = await _reviewer.AllowedAsync(spec.Username ?? string.Empty, spec.Groups?.ToList() ?? [], new V1ResourceAttributes
            {
                Group = "certificates.k8s.io", Resource = "certificatesigningrequests", Subresource = subresource, Verb = "create",
            }, cancellationToken);
            if (allowed)
            {
                await ApproveAsync(cached, message, cancellationToken);
                _logger.LogInformation("certificate signing request {Name} of {User}: approved ({Subresource})", key, spec.Username, subresource);
                return;
            }
        }

        _logger.LogInformation("recognized csr {Name} as [{Tried}] but subject access review was not approved", key, string.Join(' ', tried));
    }

    public void Dispose()
    {
        _registration.Dispose();
        Queue.Dispose();
    }

    private async Task ApproveAsync(V1CertificateSigningRequest cached, string message, CancellationToken cancellationToken)
    {
        var csr = ObjectCopy.Clone(cached);
        var now = _time.GetUtcNow().UtcDateTime;
        csr.Status ??= new V1CertificateSigningRequestStatus();
        csr.Status.Conditions ??= [];
        csr.Status.Conditions.Add(new V1CertificateSigningRequestCondition
        {
            Type = CertificateRequestStatus.Approved, Status = "True", Reason = "AutoApproved", Message = message, LastUpdateTime = now, LastTransitionTime = now,
        });
        await _api.UpdateSubresourceAsync(csr, "approval", cancellationToken);
    }
}
