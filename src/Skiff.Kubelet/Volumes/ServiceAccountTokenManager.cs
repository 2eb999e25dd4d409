using System.Collections.Concurrent;
using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Kubelet.Volumes;

/// <summary>
/// The service account tokens that pods' projected volumes carry (upstream kubelet's token manager): each one asked
/// of the API server through TokenRequest, bound to its pod (so it stops working when the pod goes), kept until 80%
/// of its lifetime has passed or it is a day old, then asked again so that the file in the pod is renewed before
/// the token expires.
/// </summary>
public sealed class ServiceAccountTokenManager(IApiClient api, TimeProvider time)
{
    private static readonly TimeSpan MaxAge = TimeSpan.FromHours(24);
    private readonly ConcurrentDictionary<(string PodUid, string ServiceAccount, string Audience, long Seconds), Issued> _tokens = new();

    /// <summary>The pod's token for <paramref name="serviceAccount"/> and <paramref name="audience"/> (null: the API
    /// server's own audiences), valid for about <paramref name="expirationSeconds"/>.</summary>
    public async Task<string> GetAsync(V1Pod pod, string serviceAccount, string? audience, long expirationSeconds, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var key = (pod.Metadata.Uid, serviceAccount, audience ?? string.Empty, expirationSeconds);
        if (_tokens.TryGetValue(key, out var cached) && !RequiresRefresh(cached))
        {
            return cached.Token;
        }

        var request = new Authenticationv1TokenRequest
        {
            ApiVersion = "authentication.k8s.io/v1",
            Kind = "TokenRequest",
            Spec = new V1TokenRequestSpec
            {
                Audiences = audience is { Length: > 0 } ? [audience] : [],
                ExpirationSeconds = expirationSeconds,
                BoundObjectRef = new V1BoundObjectReference { ApiVersion = "v1", Kind = "Pod", Name = pod.Metadata.Name, Uid = pod.Metadata.Uid },
            },
        };
        Authenticationv1TokenRequest issued;
        try
        {
            issued = await api.CreateSubresourceAsync<V1ServiceAccount, Authenticationv1TokenRequest, Authenticationv1TokenRequest>(
                pod.Metadata.NamespaceProperty ?? "default", serviceAccount, "token", request, cancellationToken);
        }
        catch (ApiException e)
        {
            // A token past its refresh point still works until it expires: keep serving it while the server refuses.
            if (cached is not null && cached.Expires > time.GetUtcNow())
            {
                return cached.Token;
            }

            throw new Pods.ContainerConfigException($"failed to fetch token: {e.Message}", e);
        }

        var now = time.GetUtcNow();
        var expires = issued.Status?.ExpirationTimestamp is { } at ? new DateTimeOffset(DateTime.SpecifyKind(at, DateTimeKind.Utc)) : now.AddSeconds(expirationSeconds);
        _tokens[key] = new Issued(issued.Status?.Token ?? string.Empty, now, expires);
        return issued.Status?.Token ?? string.Empty;
    }

    /// <summary>Whether a token of the pod is due to be renewed (its projected volumes should be written again).</summary>
    public bool NeedsRefresh(string podUid) => _tokens.Any(t => t.Key.PodUid == podUid && RequiresRefresh(t.Value));

    /// <summary>Drops the pod's tokens (it is gone from this node).</summary>
    public void Forget(string podUid)
    {
        foreach (var key in _tokens.Keys.Where(k => k.PodUid == podUid))
        {
            _tokens.TryRemove(key, out _);
        }
    }

    private bool RequiresRefresh(Issued token)
    {
        var now = time.GetUtcNow();
        var lifetime = token.Expires - token.IssuedAt;
        return now >= token.IssuedAt + (lifetime * 0.8) || now - token.IssuedAt > MaxAge;
    }

    private sealed record Issued(string Token, DateTimeOffset IssuedAt, DateTimeOffset Expires);
}
