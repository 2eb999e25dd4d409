using System.Diagnostics.CodeAnalysis;
using System.Security.Cryptography;
using System.Security.Cryptography.X509Certificates;
using System.Text;

namespace Skiff.ApiServer.Bootstrap;

/// <summary>
/// The cluster's join token, k3s style: <c>K10&lt;sha256 hex of the CA certificate (DER)&gt;::server:&lt;secret&gt;</c>.
/// The hash lets a joining agent verify the server's CA before trusting it; the secret authenticates the agent to
/// the bootstrap endpoint. Kept in <c>&lt;data-dir&gt;/token</c> (mode 0600) and reused across restarts.
/// </summary>
public sealed record JoinToken(string CaHash, string Secret)
{
    private const string Prefix = "K10";
    private const string Separator = "::server:";

    /// <summary>The token as written to the token file and passed to <c>skiff agent --token-file</c>.</summary>
    public string Format() => Prefix + CaHash + Separator + Secret;

    /// <summary>Never prints the secret (logs, exceptions).</summary>
    public override string ToString() => Prefix + CaHash + Separator + "<redacted>";

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
        if (separator < 0)
        {
            return false;
        }

        var hash = text[Prefix.Length..separator];
        var secret = text[(separator + Separator.Length)..];
        if (hash.Length != 64 || !hash.All(Uri.IsHexDigit) || secret.Length == 0)
        {
            return false;
        }

        token = new JoinToken(hash.ToLowerInvariant(), secret);
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
        if (File.Exists(path) && TryParse(File.ReadAllText(path), out existing) && existing.CaHash == hash)
        {
            return existing;
        }

        var secret = existing?.Secret ?? Convert.ToHexStringLower(RandomNumberGenerator.GetBytes(32));
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
