using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using k8s.Models;
using Skiff.Api.Bootstrap;
using Skiff.ApiServer.Admission;

namespace Skiff.ApiServer.Security;

/// <summary>
/// Bootstrap tokens (upstream's bootstrap token authenticator, as kubeadm and <c>k3s token create</c> use them): a
/// bearer token <c>&lt;id&gt;.&lt;secret&gt;</c> (6 and 16 characters of [a-z0-9]) is the Secret
/// <c>kube-system/bootstrap-token-&lt;id&gt;</c> of type <c>bootstrap.kubernetes.io/token</c> whose
/// <c>token-secret</c> matches, whose <c>usage-bootstrap-authentication</c> is "true", which is not expired
/// (<c>expiration</c>, RFC 3339) and not being deleted. Its user is <c>system:bootstrap:&lt;id&gt;</c> in
/// <c>system:bootstrappers</c> and the <c>auth-extra-groups</c> (each <c>system:bootstrappers:*</c>). Anything else
/// authenticates nobody; the reason is never told to the caller.
/// </summary>
public sealed partial class BootstrapTokenAuthenticator(IClusterObjects cluster, TimeProvider time)
{
    public const string Group = "system:bootstrappers";
    public const string UserPrefix = "system:bootstrap:";

    /// <summary>Whether <paramref name="token"/> has the shape of a bootstrap token (so other authenticators can skip it).</summary>
    public static bool IsBootstrapToken(string token) => TokenPattern().IsMatch(token);

    public UserInfo? Authenticate(string token)
    {
        var match = TokenPattern().Match(token);
        if (!match.Success)
        {
            return null;
        }

        var id = match.Groups["id"].Value;
        if (cluster.Get(string.Empty, "secrets", BootstrapTokenSecrets.Namespace, BootstrapTokenSecrets.SecretPrefix + id) is not V1Secret secret
            || secret.Type != BootstrapTokenSecrets.SecretType || secret.Metadata.DeletionTimestamp is not null)
        {
            return null;
        }

        var expected = Value(secret, "token-secret");
        if (Value(secret, "token-id") != id
            || !CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(expected), Encoding.UTF8.GetBytes(match.Groups["secret"].Value))
            || Value(secret, "usage-bootstrap-authentication") != "true"
            || IsExpired(secret))
        {
            return null;
        }

        var groups = new List<string> { Group };
        foreach (var extra in Value(secret, "auth-extra-groups").Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!ExtraGroupPattern().IsMatch(extra))
            {
                return null; // upstream refuses the whole token rather than drop a group silently
            }

            if (!groups.Contains(extra))
            {
                groups.Add(extra);
            }
        }

        return new UserInfo(UserPrefix + id, groups);
    }

    private bool IsExpired(V1Secret secret) => BootstrapTokenSecrets.IsExpired(secret, time.GetUtcNow());

    private static string Value(V1Secret secret, string key) => BootstrapTokenSecrets.Value(secret, key);

    [GeneratedRegex("^(?<id>[a-z0-9]{6})\\.(?<secret>[a-z0-9]{16})$")]
    private static partial Regex TokenPattern();

    [GeneratedRegex("^system:bootstrappers:[a-z0-9:-]{0,255}[a-z0-9]$")]
    private static partial Regex ExtraGroupPattern();
}
