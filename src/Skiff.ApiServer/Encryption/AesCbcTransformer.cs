using System.Security.Cryptography;
using System.Text;

namespace Skiff.ApiServer.Encryption;

/// <summary>The <c>aescbc</c> provider as upstream stores it: prefix, a random 16-byte IV, then the PKCS#7-padded
/// ciphertext.</summary>
public sealed class AesCbcTransformer(string keyName, byte[] secret) : IValueTransformer
{
    private const int IvSize = 16;

    public string Prefix { get; } = $"k8s:enc:aescbc:v1:{keyName}:";

    public byte[] ToStorage(ReadOnlySpan<byte> plain, string key)
    {
        using var aes = Aes.Create();
        aes.Key = secret;
        Span<byte> iv = stackalloc byte[IvSize];
        RandomNumberGenerator.Fill(iv);
        var cipher = aes.EncryptCbc(plain, iv, PaddingMode.PKCS7);
        var prefix = Encoding.ASCII.GetBytes(Prefix);
        return [.. prefix, .. iv, .. cipher];
    }

    public byte[] FromStorage(ReadOnlySpan<byte> stored, string key)
    {
        var body = stored[Prefix.Length..];
        if (body.Length < IvSize * 2)
        {
            throw new CryptographicException("the stored data is too short for aescbc");
        }

        using var aes = Aes.Create();
        aes.Key = secret;
        return aes.DecryptCbc(body[IvSize..], body[..IvSize], PaddingMode.PKCS7);
    }
}
