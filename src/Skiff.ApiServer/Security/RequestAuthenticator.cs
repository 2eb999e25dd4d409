using System.Runtime.CompilerServices;
using System.Security.Cryptography.X509Certificates;
using Microsoft.AspNetCore.Http;

namespace Skiff.ApiServer.Security;

/// <summary>
/// Authenticates a request by its TLS client certificate (signed by the cluster CA: user = CN, groups = O) or by a
/// bearer token (static, or a service account's JWT). TLS accepts any client certificate; the check happens here so a bad one gets a 401 Status rather
/// than a failed handshake, like the real API server. Results are remembered per certificate object (one per
/// connection), so the chain is built once per connection, not per request.
/// </summary>
public sealed class RequestAuthenticator
{
    private readonly X509Certificate2 _ca;
    private readonly TokenAuthenticator _tokens;
    private readonly ServiceAccounts.ServiceAccountTokens? _serviceAccounts;
    private readonly BootstrapTokenAuthenticator? _bootstrapTokens;
    private readonly ConditionalWeakTable<X509Certificate2, UserInfoBox> _verified = new();

    public RequestAuthenticator(
        X509Certificate2 ca, TokenAuthenticator tokens, ServiceAccounts.ServiceAccountTokens? serviceAccounts = null, BootstrapTokenAuthenticator? bootstrapTokens = null)
    {
        _ca = ca;
        _tokens = tokens;
        _serviceAccounts = serviceAccounts;
        _bootstrapTokens = bootstrapTokens;
    }

    /// <summary>The user of the request: its client certificate's, else its bearer token's (a static token or a
    /// service account token), else null (anonymous).</summary>
    public async Task<UserInfo?> AuthenticateAsync(HttpContext context)
    {
        var cert = context.Connection.ClientCertificate;
        if (cert is not null)
        {
            var box = _verified.GetValue(cert, c => new UserInfoBox(Verify(c)));
            if (box.User is not null)
            {
                return box.User;
            }
        }

        var header = context.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var token = header["Bearer ".Length..].Trim();
            if (_tokens.Authenticate(token) is { } user)
            {
                return user;
            }

            if (_bootstrapTokens is not null && BootstrapTokenAuthenticator.IsBootstrapToken(token))
            {
                return _bootstrapTokens.Authenticate(token);
            }

            return _serviceAccounts is null ? null : await _serviceAccounts.AuthenticateAsync(token);
        }

        return null;
    }

    /// <summary>Whether the request carries credentials (a client certificate or an Authorization header): when they
    /// fail to authenticate the request is refused rather than treated as anonymous.</summary>
    public static bool PresentsCredentials(HttpContext context) =>
        context.Connection.ClientCertificate is not null || !string.IsNullOrEmpty(context.Request.Headers.Authorization.ToString());

    /// <summary>What an audit event says of a request whose credentials failed (upstream's words): the methods tried.</summary>
    public static string FailureMessage(HttpContext context)
    {
        ArgumentNullException.ThrowIfNull(context);
        var methods = new List<string>();
        var authorization = context.Request.Headers.Authorization.ToString().Trim();
        var scheme = authorization.Split(' ', 2, StringSplitOptions.RemoveEmptyEntries);
        if (scheme.Length > 1 && scheme[0].Equals("basic", StringComparison.OrdinalIgnoreCase))
        {
            methods.Add("basic");
        }

        if (scheme.Length > 1 && scheme[0].Equals("bearer", StringComparison.OrdinalIgnoreCase))
        {
            methods.Add("bearer");
        }

        if (context.Connection.ClientCertificate is not null)
        {
            methods.Add("x509");
        }

        return methods.Count > 0 ? "Authentication failed, attempted: " + string.Join(", ", methods) : "Authentication failed, no credentials provided";
    }

    /// <summary>
    /// A TokenReview's question: whose is this bearer token, for one of <paramref name="audiences"/>? Static and
    /// bootstrap tokens carry no audience, so (as upstream's audience-agnostic authenticators) they count only when the audiences asked
    /// include one the API server accepts.
    /// </summary>
    public async Task<UserInfo?> AuthenticateTokenAsync(string token, IReadOnlyList<string> audiences)
    {
        var serverAudiences = _serviceAccounts?.Audiences ?? [];
        if (audiences.Any(serverAudiences.Contains)
            && (_tokens.Authenticate(token) ?? (BootstrapTokenAuthenticator.IsBootstrapToken(token) ? _bootstrapTokens?.Authenticate(token) : null)) is { } user)
        {
            return user;
        }

        return _serviceAccounts is null ? null : await _serviceAccounts.AuthenticateAsync(token, audiences);
    }

    private UserInfo? Verify(X509Certificate2 cert)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new System.Security.Cryptography.Oid("1.3.6.1.5.5.7.3.2"));
        if (!chain.Build(cert))
        {
            return null;
        }

        var name = cert.GetNameInfo(X509NameType.SimpleName, false);
        var groups = cert.SubjectName.EnumerateRelativeDistinguishedNames()
            .Where(rdn => rdn.GetSingleElementType().Value == "2.5.4.10")
            .Select(rdn => rdn.GetSingleElementValue() ?? string.Empty)
            .Where(o => o.Length > 0)
            .ToList();
        return string.IsNullOrEmpty(name) ? null : new UserInfo(name, groups);
    }

    private sealed record UserInfoBox(UserInfo? User);
}
