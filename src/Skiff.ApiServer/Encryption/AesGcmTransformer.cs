using System.Security.Cryptography;
using System.Text;

namespace Skiff.ApiServer.Encryption;

/// <summary>The <c>aesgcm</c> provider as upstream stores it: prefix, a random 12-byte nonce, the ciphertext and the
/// 16-byte tag, with the storage key as additional authenticated data (a value copied under another key does not
/// decrypt).</summary>
public sealed class AesGcmTransformer(string keyName, byte[] secret) : IValueTransformer
{
    private const int NonceSize = 12;
    private const int TagSize = 16;

    public string Prefix { get; } = $"k8s:enc:aesgcm:v1:{keyName}:";

    public byte[] ToStorage(ReadOnlySpan<byte> plain, string key)
    {
        var prefix = Encoding.ASCII.GetBytes(Prefix);
        var output = new byte[prefix.Length + NonceSize + plain.Length + TagSize];
        prefix.CopyTo(output, 0);
        var nonce = output.AsSpan(prefix.Length, NonceSize);
        RandomNumberGenerator.Fill(nonce);
        using var gcm = new AesGcm(secret, TagSize);
        gcm.Encrypt(nonce, plain, output.AsSpan(prefix.Length + NonceSize, plain.Length), output.AsSpan(output.Length - TagSize), Encoding.UTF8.GetBytes(key));
        return output;
    }

    public byte[] FromStorage(ReadOnlySpan<byte> stored, string key)
    {
        var body = stored[Prefix.Length..];
        if (body.Length < NonceSize + TagSize)
        {
            throw new CryptographicException("the stored data is too short for aesgcm");
        }

        var plain = new byte[body.Length - NonceSize - TagSize];
        using var gcm = new AesGcm(secret, TagSize);
        gcm.Decrypt(body[..NonceSize], body[NonceSize..^TagSize], body[^TagSize..], plain, Encoding.UTF8.GetBytes(key));
        return plain;
    }
}
