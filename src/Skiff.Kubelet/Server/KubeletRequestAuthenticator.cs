using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;
using Microsoft.AspNetCore.Http;

namespace Skiff.Kubelet.Server;

/// <summary>
/// Lets in the API server only: a TLS client certificate that chains to the cluster CA (with client-auth usage) or one
/// of the configured bearer tokens. Verified certificates are remembered per certificate object (one per connection).
/// </summary>
public sealed class KubeletRequestAuthenticator
{
    private readonly X509Certificate2? _ca;
    private readonly byte[][] _tokens;
    private readonly ConditionalWeakTable<X509Certificate2, object> _verified = [];
    private static readonly object Valid = new();
    private static readonly object Invalid = new();

    public KubeletRequestAuthenticator(X509Certificate2? ca, IEnumerable<string> tokens)
    {
        _ca = ca;
        _tokens = tokens.Where(t => t.Length > 0).Select(Encoding.UTF8.GetBytes).ToArray();
    }

    public bool IsAuthenticated(HttpContext ctx)
    {
        var cert = ctx.Connection.ClientCertificate;
        if (cert is not null && _ca is not null && _verified.GetValue(cert, Verify) == Valid)
        {
            return true;
        }

        var header = ctx.Request.Headers.Authorization.ToString();
        if (header.StartsWith("Bearer ", StringComparison.OrdinalIgnoreCase))
        {
            var presented = Encoding.UTF8.GetBytes(header["Bearer ".Length..].Trim());
            return _tokens.Any(t => CryptographicOperations.FixedTimeEquals(t, presented));
        }

        return false;
    }

    private object Verify(X509Certificate2 cert)
    {
        using var chain = new X509Chain();
        chain.ChainPolicy.TrustMode = X509ChainTrustMode.CustomRootTrust;
        chain.ChainPolicy.CustomTrustStore.Add(_ca!);
        chain.ChainPolicy.RevocationMode = X509RevocationMode.NoCheck;
        chain.ChainPolicy.ApplicationPolicy.Add(new Oid("1.3.6.1.5.5.7.3.2"));
        return chain.Build(cert) ? Valid : Invalid;
    }
}
