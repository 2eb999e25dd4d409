using System.Text;

namespace Skiff.ApiServer.Encryption;

/// <summary>The <c>secretbox</c> provider as upstream stores it: prefix, a random 24-byte nonce, then NaCl's
/// secretbox (XSalsa20-Poly1305) of the value, through libsodium.</summary>
public sealed class SecretboxTransformer(string keyName, byte[] secret) : IValueTransformer
{
    private const int NonceSize = 24;

    public string Prefix { get; } = $"k8s:enc:secretbox:v1:{keyName}:";

    public byte[] ToStorage(ReadOnlySpan<byte> plain, string key)
    {
        var nonce = Sodium.SecretBox.GenerateNonce();
        var box = Sodium.SecretBox.Create(plain.ToArray(), nonce, secret);
        return [.. Encoding.ASCII.GetBytes(Prefix), .. nonce, .. box];
    }

    public byte[] FromStorage(ReadOnlySpan<byte> stored, string key)
    {
        var body = stored[Prefix.Length..];
        if (body.Length < NonceSize)
        {
            throw new System.Security.Cryptography.CryptographicException("the stored data is too short for secretbox");
        }

        return Sodium.SecretBox.Open(body[NonceSize..].ToArray(), body[..NonceSize].ToArray(), secret);
    }
}
