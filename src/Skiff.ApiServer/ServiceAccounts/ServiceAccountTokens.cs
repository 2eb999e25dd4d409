using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.IdentityModel.JsonWebTokens;
using Microsoft.IdentityModel.Tokens;
using Skiff.ApiServer.Admission;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.ServiceAccounts;

/// <summary>
/// Issues and checks bound service account tokens as kube-apiserver does: JWTs signed with the server's key, with
/// upstream's claims (<c>iss</c>, <c>sub</c> = <c>system:serviceaccount:NS:NAME</c>, <c>aud</c>, <c>exp</c>,
/// <c>iat</c>, <c>nbf</c>, <c>jti</c> and the private <c>kubernetes.io</c> claim naming the namespace, the service
/// account and the pod/secret/node the token is bound to). A token is accepted while it is unexpired, names one of
/// the API server's audiences, and its service account (and bound pod or secret) still exist with the same uid.
/// </summary>
public sealed class ServiceAccountTokens
{
    public const string DefaultIssuer = "https://kubernetes.default.svc.cluster.local";
    public const string ServiceAccountsGroup = "system:serviceaccounts";
    public const string UserPrefix = "system:serviceaccount:";

    private readonly ServiceAccountKey _key;
    private readonly IClusterObjects _cluster;
    private readonly TimeProvider _time;
    private readonly JsonWebTokenHandler _handler = new() { SetDefaultTimesOnTokenCreation = false };
    private readonly TokenValidationParameters _validation;

    public ServiceAccountTokens(ServiceAccountKey key, IClusterObjects cluster, TimeProvider time, string issuer = DefaultIssuer, IReadOnlyList<string>? audiences = null)
    {
        _key = key;
        _cluster = cluster;
        _time = time;
        Issuer = issuer;
        Audiences = audiences ?? [issuer];
        _validation = new TokenValidationParameters
        {
            IssuerSigningKey = key.SecurityKey,
            ValidIssuer = issuer,
            ValidAudiences = Audiences,
            ValidateLifetime = false, // checked below against the injected clock
            ValidAlgorithms = [SecurityAlgorithms.EcdsaSha256],
        };
    }

    public string Issuer { get; }

    /// <summary>The audiences the API server accepts (upstream's <c>--api-audiences</c>; default: the issuer).</summary>
    public IReadOnlyList<string> Audiences { get; }

    public ServiceAccountKey Key => _key;

    /// <summary>A signed token for <paramref name="account"/>, valid for <paramref name="lifetime"/> from now.</summary>
    public (string Token, DateTime Expires) Issue(V1ServiceAccount account, IReadOnlyList<string> audiences, TimeSpan lifetime, BoundObject? bound)
    {
        var now = _time.GetUtcNow();
        var issued = now.ToUnixTimeSeconds();
        var expires = now.Add(lifetime).ToUnixTimeSeconds();
        var ns = account.Metadata.NamespaceProperty;
        var private_ = new Dictionary<string, object>
        {
            ["namespace"] = ns,
            ["serviceaccount"] = new Dictionary<string, object> { ["name"] = account.Metadata.Name, ["uid"] = account.Metadata.Uid },
        };
        if (bound is { Kind: "Pod" })
        {
            private_["pod"] = new Dictionary<string, object> { ["name"] = bound.Name, ["uid"] = bound.Uid };
            if (!string.IsNullOrEmpty(bound.NodeName) && !string.IsNullOrEmpty(bound.NodeUid))
            {
                private_["node"] = new Dictionary<string, object> { ["name"] = bound.NodeName, ["uid"] = bound.NodeUid };
            }
        }
        else if (bound is { Kind: "Secret" })
        {
            private_["secret"] = new Dictionary<string, object> { ["name"] = bound.Name, ["uid"] = bound.Uid };
        }

        var token = _handler.CreateToken(new SecurityTokenDescriptor
        {
            SigningCredentials = new SigningCredentials(_key.SecurityKey, SecurityAlgorithms.EcdsaSha256),
            Claims = new Dictionary<string, object>
            {
                ["iss"] = Issuer,
                ["sub"] = UserPrefix + ns + ":" + account.Metadata.Name,
                ["aud"] = audiences.ToArray(),
                ["exp"] = expires,
                ["iat"] = issued,
                ["nbf"] = issued,
                ["jti"] = Guid.NewGuid().ToString(),
                ["kubernetes.io"] = private_,
            },
        });
        return (token, DateTimeOffset.FromUnixTimeSeconds(expires).UtcDateTime);
    }

    /// <summary>The service account a token authenticates, or null when it is not one of ours or no longer valid.</summary>
    public Task<UserInfo?> AuthenticateAsync(string token) => AuthenticateAsync(token, null);

    /// <summary>As <see cref="AuthenticateAsync(string)"/>, for a token meant for one of <paramref name="audiences"/>
    /// (a TokenReview's) rather than for the API server.</summary>
    public async Task<UserInfo?> AuthenticateAsync(string token, IReadOnlyList<string>? audiences)
    {
        if (token.Count(c => c == '.') != 2)
        {
            return null;
        }

        var validation = _validation;
        if (audiences is { Count: > 0 })
        {
            validation = _validation.Clone();
            validation.ValidAudiences = audiences;
        }

        var result = await _handler.ValidateTokenAsync(token, validation);
        if (!result.IsValid || result.SecurityToken is not JsonWebToken jwt)
        {
            return null;
        }

        var payload = JsonNode.Parse(Base64UrlEncoder.Decode(jwt.EncodedPayload));
        var now = _time.GetUtcNow().ToUnixTimeSeconds();
        if (payload?["exp"]?.GetValue<long>() is not { } exp || exp <= now || payload["nbf"]?.GetValue<long>() > now)
        {
            return null;
        }

        var claims = payload["kubernetes.io"];
        var ns = (string?)claims?["namespace"];
        var name = (string?)claims?["serviceaccount"]?["name"];
        if (ns is null || name is null || !Alive("serviceaccounts", ns, name, (string?)claims?["serviceaccount"]?["uid"]))
        {
            return null;
        }

        if (claims?["pod"] is { } pod && !Alive("pods", ns, (string?)pod["name"], (string?)pod["uid"]))
        {
            return null;
        }

        if (claims?["secret"] is { } secret && !Alive("secrets", ns, (string?)secret["name"], (string?)secret["uid"]))
        {
            return null;
        }

        return new UserInfo(UserPrefix + ns + ":" + name, [ServiceAccountsGroup, ServiceAccountsGroup + ":" + ns]);
    }

    /// <summary>Whether the object exists with that uid and is not being deleted (a deleted pod's tokens stop working).</summary>
    private bool Alive(string plural, string ns, string? name, string? uid) =>
        name is not null && _cluster.Get(string.Empty, plural, ns, name) is { } obj
        && obj.Metadata.Uid == uid && obj.Metadata.DeletionTimestamp is null;
}
