using System.Security.Cryptography;
using System.Text;

namespace Skiff.Kubelet.Server.Auth;

/// <summary>
/// Remembers the API server's answers as upstream's kubelet does: TokenReviews for 2 minutes, valid or not
/// (<c>--authentication-token-webhook-cache-ttl</c>), allowed SubjectAccessReviews for 5 minutes and denied ones for
/// 30 seconds (<c>--authorization-webhook-cache-authorized-ttl</c> / <c>-unauthorized-ttl</c>). Failed calls are not
/// remembered. Tokens are keyed by their SHA-256, never kept as they are.
/// </summary>
public sealed class CachingKubeletReviews : IKubeletReviews
{
    public static readonly TimeSpan TokenTtl = TimeSpan.FromMinutes(2);
    public static readonly TimeSpan AllowedTtl = TimeSpan.FromMinutes(5);
    public static readonly TimeSpan DeniedTtl = TimeSpan.FromSeconds(30);

    private readonly IKubeletReviews _inner;
    private readonly ExpiringCache<KubeletUser?> _tokens;
    private readonly ExpiringCache<bool> _decisions;

    public CachingKubeletReviews(IKubeletReviews inner, TimeProvider time)
    {
        _inner = inner;
        _tokens = new ExpiringCache<KubeletUser?>(time);
        _decisions = new ExpiringCache<bool>(time);
    }

    public async Task<KubeletUser?> ReviewTokenAsync(string token, CancellationToken cancellationToken)
    {
        var key = Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
        if (_tokens.TryGet(key, out var user))
        {
            return user;
        }

        user = await _inner.ReviewTokenAsync(token, cancellationToken);
        _tokens.Set(key, user, TokenTtl);
        return user;
    }

    public async Task<bool> ReviewAccessAsync(KubeletRequestAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var key = KeyOf(attributes);
        if (_decisions.TryGet(key, out var allowed))
        {
            return allowed;
        }

        allowed = await _inner.ReviewAccessAsync(attributes, cancellationToken);
        _decisions.Set(key, allowed, allowed ? AllowedTtl : DeniedTtl);
        return allowed;
    }

    // Everything the SubjectAccessReview carries (the path is not sent, so it is not part of the key).
    private static string KeyOf(KubeletRequestAttributes a)
    {
        var text = new StringBuilder()
            .Append(a.User.Name).Append('\0').Append(a.User.Uid).Append('\0')
            .AppendJoin('\u0001', a.User.Groups).Append('\0');
        foreach (var (k, values) in a.User.Extra.OrderBy(kv => kv.Key, StringComparer.Ordinal))
        {
            text.Append(k).Append('=').AppendJoin('\u0001', values).Append('\u0002');
        }

        return text.Append('\0').Append(a.Verb).Append('\0').Append(a.Subresource).Append('\0').Append(a.NodeName).ToString();
    }
}
