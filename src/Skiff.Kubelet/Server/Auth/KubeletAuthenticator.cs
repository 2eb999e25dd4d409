using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;

namespace Skiff.Kubelet.Server.Auth;

/// <summary>
/// The kubelet's authentication, as upstream's with <c>--client-ca-file</c>, <c>--authentication-token-webhook</c> and
/// <c>--anonymous-auth=false</c>: a TLS client certificate that chains to the client CA with client-auth usage is its
/// subject's CN (user) and O (groups); otherwise a bearer token is whoever the API server's TokenReview says.
/// Anything else is nobody (the caller answers 401). Verified certificates are remembered per certificate object
/// (one per connection).
/// </summary>
public sealed class KubeletAuthenticator
{
    private const string OrganizationOid = "2.5.4.10";
    private readonly X509Certificate2? _ca;
    private readonly IKubeletReviews? _reviews;
    private readonly ConditionalWeakTable<X509Certificate2, Verified> _verified = [];

    /// <param name="ca">The client CA; null: no certificate is accepted.</param>
    /// <param name="reviews">Where tokens are reviewed; null: no token is accepted.</param>
    public KubeletAuthenticator(X509Certificate2? ca, IKubeletReviews? reviews)
    {
        _ca = ca;
        _reviews = reviews;
    }

    /// <summary>The caller, or null; a failed TokenReview call is an exception (also a 401 for the caller).</summary>
    public async Task<KubeletUser?> AuthenticateAsync(HttpContext ctx, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var cert = ctx.Connection.ClientCertificate;
        if (cert is not null && _ca is not null && _verified.GetValue(cert, Verify).User is { } certUser)
        {
            return certUser;
        }

        var header = ctx.Request.Headers.Authorization.ToString();
        if (_reviews is not null && header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = header["Bearer ".Length..].Trim();
            return token.Length == 0 ? null : await _reviews.ReviewTokenAsync(token, cancellationToken);
        }

        return null;
    }

    /// <summary>CN is the user, each O a group: the API server's own reading of client certificates.</summary>
    public static KubeletUser? UserOf(X509Certificate2 cert)
    {
        ArgumentNullException.ThrowIfNull(cert);
        var name = cert.GetNameInfo(X509NameType.SimpleName, false);
        if (string.IsNullOrEmpty(name))
        {
            return null;
        }

        var groups = cert.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(rdn => rdn.GetSingleElementType().Value == OrganizationOid)
            .Select(rdn => rdn.GetSingleElementValue() ?? string.Empty)
            .Where(o => o.Length > 0);
        return KubeletUser.Of(name, groups);
    }

    private Verified Verify(X509Certificate2 cert)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        return new Verified(chain.Build(cert) ? UserOf(cert) : null);
    }

    private sealed record Verified(KubeletUser? User);
}
