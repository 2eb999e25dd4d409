using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Skiff.ApiServer.Bootstrap;

/// <summary>
/// A join token, k3s style: <c>K10&lt;sha256 hex of the CA certificate (DER)&gt;::server:&lt;secret&gt;</c> (the
/// server's own, kept in <c>&lt;data-dir&gt;/token</c>, mode 0600, reused across restarts) or
/// <c>K10&lt;hash&gt;::&lt;id&gt;.&lt;secret&gt;</c> (a bootstrap token made by <c>skiff token create</c>, as k3s's).
/// The hash lets a joining agent verify the server's CA before trusting it; the secret authenticates the agent: the
/// server's to the bootstrap endpoint, a bootstrap token to the API as <c>system:bootstrap:&lt;id&gt;</c>.
/// </summary>
public sealed record JoinToken(string CaHash, string Secret, bool IsBootstrapToken = false)
{
    private const string Prefix = "K10";
    private const string Separator = "::server:";
    private const string BootstrapSeparator = "::";

    /// <summary>The token as written to the token file and passed to <c>skiff agent --token-file</c>.</summary>
    public string Format() => Prefix + CaHash + (IsBootstrapToken ? BootstrapSeparator : Separator) + Secret;

    /// <summary>Never prints the secret (logs, exceptions); a bootstrap token's public id is shown.</summary>
    public override string ToString() =>
        Prefix + CaHash + (IsBootstrapToken ? BootstrapSeparator + Secret.Split('.')[0] + ".<redacted>" : Separator + "<redacted>");

    /// <summary>The lower-case hex SHA-256 of the certificate's DER encoding.</summary>
    public static string HashOf(X509Certificate2 ca)
    {
        ArgumentNullException.ThrowIfNull(ca);
        return Convert.ToHexStringLower(SHA256.HashData(ca.RawData));
    }

    /// <summary>Parses the full token; a bare secret (no CA hash) is not a join token an agent can verify a server with.</summary>
    public static bool TryParse(string? text, [NotNullWhen(true)] out JoinToken? token)
    {
        token = null;
        text = text?.Trim();
        if (string.IsNullOrEmpty(text) || !text.StartsWith(Prefix, StringComparison.Ordinal))
        {
            return false;
        }

        var separator = text.IndexOf(Separator, StringComparison.Ordinal);
        var bootstrap = separator < 0;
        if (bootstrap)
        {
            separator = text.IndexOf(BootstrapSeparator, StringComparison.Ordinal);
        }

        if (separator < 0)
        {
            return false;
        }

        var hash = text[Prefix.Length..separator];
        var secret = text[(separator + (bootstrap ? BootstrapSeparator : Separator).Length)..];
        if (hash.Length != 64 || !hash.All(Uri.IsHexDigit) || secret.Length == 0
            || (bootstrap && !Security.BootstrapTokenAuthenticator.IsBootstrapToken(secret)))
        {
            return false;
        }

        token = new JoinToken(hash.ToLowerInvariant(), secret, bootstrap);
        return true;
    }

    /// <summary>
    /// Reads the token file, or creates it with a fresh 32-byte secret. The secret is kept across restarts; the hash is
    /// rewritten if the CA changed (a new PKI), so the file always names the CA the server serves with.
    /// </summary>
    public static JoinToken LoadOrCreate(string path, X509Certificate2 ca)
    {
        var hash = HashOf(ca);
        JoinToken? existing = null;
        if (File.Exists(path) && TryParse(File.ReadAllText(path), out existing) && !existing.IsBootstrapToken && existing.CaHash == hash)
        {
            return existing;
        }

        var secret = (existing is { IsBootstrapToken: false } ? existing.Secret : null) ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
        var token = new JoinToken(hash, secret);
        var tmp = path + ".tmp";
        File.WriteAllText(tmp, string.Empty);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(tmp, UnixFileMode.UserRead | UnixFileMode.UserWrite); // before the secret is in it
        }

        File.WriteAllText(tmp, token.Format() + "\n");
        File.Move(tmp, path, overwrite: true);
        return token;
    }

    /// <summary>
    /// Whether a presented bearer credential carries this token's secret: the full token or the bare secret, compared
    /// in constant time.
    /// </summary>
    public bool Accepts(string? presented)
    {
        if (string.IsNullOrEmpty(presented))
        {
            return false;
        }

        var secret = TryParse(presented, out var parsed) ? parsed.Secret : presented.Trim();
        return CryptographicOperations.FixedTimeEquals(
            SHA256.HashData(Encoding.UTF8.GetBytes(secret)),
            SHA256.HashData(Encoding.UTF8.GetBytes(Secret)));
    }
}
