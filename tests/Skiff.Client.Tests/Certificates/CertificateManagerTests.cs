using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Api;
using Skiff.Client.Certificates;
using Skiff.Testing;

namespace Skiff.Client.Tests.Certificates;

/// <summary>The kubelet's client certificate renewal against a fake API: nothing before the deadline, then a request
/// with the kubelet's subject, signer and usages; the issued certificate is stored and switched to only when it is for
/// the key just made; refusals are retried with back-off.</summary>
public sealed class CertificateManagerTests : IDisposable
{
    private static readonly DateTimeOffset Start = new(2026, 12, 5, 10, 0, 0, TimeSpan.Zero);
    private readonly FakeTimeProvider _time = new(Start);
    private readonly FakeApiClient _api;
    private readonly ECDsa _caKey = ECDsa.Create(ECCurve.NamedCurves.nistP256);
    private readonly X509Certificate2 _ca;
    private readonly List<(string Certificate, string Key)> _stored = [];
    private readonly CancellationTokenSource _stop = new();
    private readonly HashSet<string> _seen = new(StringComparer.Ordinal);

    public CertificateManagerTests()
    {
        _api = new FakeApiClient(_time);
        var request = new CertificateRequest("CN=test-ca", _caKey, HashAlgorithmName.SHA256);
        request.CertificateExtensions.Add(new X509BasicConstraintsExtension(true, false, 0, true));
        _ca = request.CreateSelfSigned(Start.AddDays(-1), Start.AddYears(2));
    }

    public void Dispose()
    {
        _stop.Dispose();
        _ca.Dispose();
        _caKey.Dispose();
    }

    private X509Certificate2 NodeCertificate(string commonName, DateTimeOffset notBefore, DateTimeOffset notAfter, ECDsa? key = null)
    {
        using var own = key is null ? ECDsa.Create(ECCurve.NamedCurves.nistP256) : null;
        var request = new CertificateRequest("CN=" + commonName + ", O=system:nodes", key ?? own!, HashAlgorithmName.SHA256);
        using var signed = request.Create(_ca, notBefore, notAfter, RandomNumberGenerator.GetBytes(8));
        return X509Certificate2.CreateFromPem(signed.ExportCertificatePem(), (key ?? own!).ExportPkcs8PrivateKeyPem());
    }

    /// <summary>Plays csrsigning: issues <paramref name="name"/> for the request's own key (or for another subject).</summary>
    private async Task IssueAsync(string name, string? otherSubject = null)
    {
        var csr = (await _api.GetAsync<V1CertificateSigningRequest>(null, name, CancellationToken.None))!;
        var request = CertificateRequest.LoadSigningRequestPem(Encoding.ASCII.GetString(csr.Spec.Request), HashAlgorithmName.SHA256);
        var subject = otherSubject is null ? request.SubjectName : new X500DistinguishedName("CN=" + otherSubject);
        var reissued = new CertificateRequest(subject, request.PublicKey, HashAlgorithmName.SHA256);
        using var certificate = reissued.Create(_ca, Start, Start.AddYears(1), RandomNumberGenerator.GetBytes(8));
        csr.Status = new V1CertificateSigningRequestStatus
        {
            Conditions = [new V1CertificateSigningRequestCondition { Type = "Approved", Status = "True", Reason = "AutoApproved" }],
            Certificate = Encoding.ASCII.GetBytes(certificate.ExportCertificatePem()),
        };
        await _api.UpdateStatusAsync(csr, CancellationToken.None);
    }

    private async Task DenyAsync(string name)
    {
        var csr = (await _api.GetAsync<V1CertificateSigningRequest>(null, name, CancellationToken.None))!;
        csr.Status = new V1CertificateSigningRequestStatus
        {
            Conditions = [new V1CertificateSigningRequestCondition { Type = "Denied", Status = "True", Reason = "PolicyRefused", Message = "not today" }],
        };
        await _api.UpdateStatusAsync(csr, CancellationToken.None);
    }

    private async Task<IReadOnlyList<V1CertificateSigningRequest>> RequestsAsync() =>
        (await _api.ListAsync<V1CertificateSigningRequest>(new ListOptions(), CancellationToken.None)).Items;

    private Task<V1CertificateSigningRequest> WaitForRequestAsync(int count) => AdvanceUntilRequestAsync(count, TimeSpan.Zero);

    /// <summary>Waits for request number <paramref name="count"/>, moving the clock by <paramref name="step"/> between
    /// looks: the manager may reach its timer after the test moved the clock, so one jump is not enough.</summary>
    private async Task<V1CertificateSigningRequest> AdvanceUntilRequestAsync(int count, TimeSpan step)
    {
        for (var i = 0; i < 500; i++)
        {
            var requests = await RequestsAsync();
            if (requests.Count >= count)
            {
                return requests.Where(r => !_seen.Contains(r.Metadata.Name)).Select(r => { _seen.Add(r.Metadata.Name); return r; }).LastOrDefault()
                    ?? requests[^1];
            }

            _time.Advance(step);
            await Task.Delay(10);
        }

        throw new TimeoutException($"no certificatesigningrequest #{count}; calls: {string.Join(", ", _api.Calls)}");
    }

    private static async Task WaitForAsync(Func<bool> condition, string what)
    {
        for (var i = 0; i < 500 && !condition(); i++)
        {
            await Task.Delay(10);
        }

        Assert.True(condition(), what);
    }

    private CertificateManager Manager(RotatingClientCertificate certificate) => new(
        _api,
        certificate,
        CertificateTemplate.KubeletClient("n1"),
        (certificatePem, keyPem, _) =>
        {
            lock (_stored)
            {
                _stored.Add((certificatePem, keyPem));
            }

            return Task.CompletedTask;
        },
        _time,
        NullLogger.Instance,
        new Random(7));

    [Fact]
    public async Task At_the_deadline_it_requests_a_kubelet_certificate_stores_it_and_switches_to_it()
    {
        using var initial = NodeCertificate("system:node:n1", Start, Start.AddHours(10));
        var certificate = new RotatingClientCertificate(initial);
        var run = Manager(certificate).RunAsync(_stop.Token);

        // Before 70% of the lifetime nothing is asked.
        _time.Advance(TimeSpan.FromHours(6.9));
        await Task.Delay(100);
        Assert.Empty(await RequestsAsync());

        var csr = await AdvanceUntilRequestAsync(1, TimeSpan.FromMinutes(10));
        Assert.InRange(_time.GetUtcNow(), Start.AddHours(7), Start.AddHours(9.2));
        Assert.StartsWith("csr-", csr.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal(CertificateTemplate.KubeletClientSigner, csr.Spec.SignerName);
        Assert.Equal(["digital signature", "client auth"], csr.Spec.Usages);
        var pkcs10 = CertificateRequest.LoadSigningRequestPem(Encoding.ASCII.GetString(csr.Spec.Request), HashAlgorithmName.SHA256);
        Assert.Equal("CN=system:node:n1, O=system:nodes", pkcs10.SubjectName.Format(false));
        Assert.Same(initial, certificate.Current);

        await IssueAsync(csr.Metadata.Name);
        await WaitForAsync(() => !ReferenceEquals(certificate.Current, initial), "the certificate was not switched");
        Assert.Single(_stored);
        using var stored = X509Certificate2.CreateFromPem(_stored[0].Certificate, _stored[0].Key);
        Assert.Equal(stored.Thumbprint, certificate.Current.Thumbprint);
        Assert.True(certificate.Current.HasPrivateKey);
        Assert.Equal(pkcs10.PublicKey.EncodedKeyValue.RawData, certificate.Current.PublicKey.EncodedKeyValue.RawData);

        await _stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task A_denied_request_is_retried_after_a_back_off_with_a_new_request()
    {
        using var initial = NodeCertificate("system:node:n1", Start.AddHours(-10), Start.AddHours(1));
        var certificate = new RotatingClientCertificate(initial);
        var run = Manager(certificate).RunAsync(_stop.Token);

        var first = await WaitForRequestAsync(1);
        await DenyAsync(first.Metadata.Name);
        await Task.Delay(100);
        Assert.Single(await RequestsAsync());

        var second = await AdvanceUntilRequestAsync(2, TimeSpan.FromSeconds(1));
        Assert.NotEqual(first.Metadata.Name, second.Metadata.Name);
        await IssueAsync(second.Metadata.Name);
        await WaitForAsync(() => !ReferenceEquals(certificate.Current, initial), "the certificate was not switched after the retry");

        await _stop.CancelAsync();
        await Assert.ThrowsAnyAsync<OperationCanceledException>(() => run);
    }

    [Fact]
    public async Task A_certificate_issued_for_someone_else_is_refused_and_nothing_is_stored()
    {
        using var initial = NodeCertificate("system:node:n1", Start.AddHours(-10), Start.AddHours(1));
        var certificate = new RotatingClientCertificate(initial);
        var manager = Manager(certificate);

        var rotation = manager.RotateAsync(_stop.Token);
        var csr = await WaitForRequestAsync(1);
        await IssueAsync(csr.Metadata.Name, otherSubject: "system:node:n2");
        var error = await Assert.ThrowsAsync<CertificateRotationException>(() => rotation);
        Assert.Contains("issued was for system:node:n2, not system:node:n1", error.Message, StringComparison.Ordinal);
        Assert.Empty(_stored);
        Assert.Same(initial, certificate.Current);
    }

    [Fact]
    public async Task A_request_never_issued_times_out_after_fifteen_minutes()
    {
        using var initial = NodeCertificate("system:node:n1", Start.AddHours(-10), Start.AddHours(1));
        var manager = Manager(new RotatingClientCertificate(initial));

        var rotation = manager.RotateAsync(_stop.Token);
        await WaitForRequestAsync(1);
        await Task.Delay(100);
        _time.Advance(CertificateManager.WaitTimeout);
        var error = await Assert.ThrowsAsync<CertificateRotationException>(() => rotation);
        Assert.Matches("^certificatesigningrequest csr-.+ was not issued within 15 minutes$", error.Message);
    }
}
