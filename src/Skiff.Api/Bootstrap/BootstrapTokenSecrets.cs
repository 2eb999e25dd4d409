using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using k8s.Models;

namespace Skiff.Api.Bootstrap;

/// <summary>
/// Bootstrap tokens as Secrets (upstream's bootstrap.kubernetes.io/token, shared by the API server's authenticator,
/// the token cleaner and <c>skiff token create</c>): <c>kube-system/bootstrap-token-&lt;id&gt;</c> holding
/// <c>token-id</c>, <c>token-secret</c>, optional <c>expiration</c> (RFC 3339), <c>description</c>,
/// <c>usage-bootstrap-authentication</c>, <c>usage-bootstrap-signing</c> and <c>auth-extra-groups</c>.
/// </summary>
public static class BootstrapTokenSecrets
{
    public const string SecretType = "bootstrap.kubernetes.io/token";
    public const string SecretPrefix = "bootstrap-token-";
    public const string Namespace = "kube-system";

    private const string Alphabet = "abcdefghijklmnopqrstuvwxyz0123456789";

    /// <summary>A value of the Secret (from <c>data</c>, else <c>stringData</c>), empty when absent.</summary>
    public static string Value(V1Secret secret, string key)
    {
        ArgumentNullException.ThrowIfNull(secret);
        if (secret.Data?.TryGetValue(key, out var bytes) == true && bytes is not null)
        {
            return Encoding.UTF8.GetString(bytes);
        }

        return secret.StringData?.TryGetValue(key, out var text) == true ? text ?? string.Empty : string.Empty;
    }

    /// <summary>The token's <c>expiration</c>, or null when it has none; an unparsable one counts as long expired.</summary>
    public static DateTimeOffset? ExpirationOf(V1Secret secret)
    {
        var text = Value(secret, "expiration");
        if (text.Length == 0)
        {
            return null;
        }

        return DateTimeOffset.TryParse(text, CultureInfo.InvariantCulture, DateTimeStyles.AssumeUniversal, out var at) ? at : DateTimeOffset.MinValue;
    }

    public static bool IsExpired(V1Secret secret, DateTimeOffset now) => ExpirationOf(secret) is { } expiration && expiration <= now;

    /// <summary>A new random token <c>&lt;6&gt;.&lt;16&gt;</c> of [a-z0-9], as kubeadm generates.</summary>
    public static (string Id, string Secret) Generate() => (Random(6), Random(16));

    /// <summary>The Secret that makes <paramref name="id"/>.<paramref name="secret"/> a bootstrap token for joining
    /// nodes (authentication usage), expiring after <paramref name="ttl"/> unless it is zero.</summary>
    public static V1Secret Create(string id, string secret, TimeSpan ttl, DateTimeOffset now, string? description, IReadOnlyList<string> extraGroups)
    {
        var data = new Dictionary<string, string>
        {
            ["token-id"] = id,
            ["token-secret"] = secret,
            ["usage-bootstrap-authentication"] = "true",
            ["usage-bootstrap-signing"] = "true",
        };
        if (ttl > TimeSpan.Zero)
        {
            data["expiration"] = (now + ttl).UtcDateTime.ToString("yyyy-MM-dd'T'HH:mm:ss'Z'", CultureInfo.InvariantCulture);
        }

        if (!string.IsNullOrEmpty(description))
        {
            data["description"] = description;
        }

        if (extraGroups.Count > 0)
        {
            data["auth-extra-groups"] = string.Join(',', extraGroups);
        }

        return new V1Secret
        {
            ApiVersion = "v1",
            Kind = "Secret",
            Metadata = new V1ObjectMeta { Name = SecretPrefix + id, NamespaceProperty = Namespace },
            Type = SecretType,
            Data = data.ToDictionary(kv => kv.Key, kv => Encoding.UTF8.GetBytes(kv.Value)),
        };
    }

    private static string Random(int length) =>
        string.Create(length, 0, (span, _) =>
        {
            for (var i = 0; i < span.Length; i++)
            {
                span[i] = Alphabet[RandomNumberGenerator.GetInt32(Alphabet.Length)];
            }
        });
}
