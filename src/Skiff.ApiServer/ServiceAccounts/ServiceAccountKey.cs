using System.Security.Cryptography;
using Microsoft.IdentityModel.Tokens;

namespace Skiff.ApiServer.ServiceAccounts;

/// <summary>
/// The key that signs service account tokens (ES256, P-256), kept in <c>&lt;data-dir&gt;/pki/service-account.key</c>
/// (mode 0600) so tokens survive restarts and API servers sharing the pki directory accept each other's. Its key
/// id is upstream's: base64url of the SHA-256 of the public key's DER (PKIX) form.
/// </summary>
public sealed class ServiceAccountKey : IDisposable
{
    private readonly ECDsa _key;

    private ServiceAccountKey(ECDsa key)
    {
        _key = key;
        KeyId = Base64UrlEncoder.Encode(SHA256.HashData(key.ExportSubjectPublicKeyInfo()));
        SecurityKey = new ECDsaSecurityKey(key) { KeyId = KeyId };
    }

    public string KeyId { get; }

    public ECDsaSecurityKey SecurityKey { get; }

    public static ServiceAccountKey LoadOrCreate(string pkiDirectory)
    {
        Directory.CreateDirectory(pkiDirectory);
        var path = Path.Combine(pkiDirectory, "service-account.key");
        var key = ECDsa.Create();
        if (File.Exists(path))
        {
            key.ImportFromPem(File.ReadAllText(path));
        }
        else
        {
            key.GenerateKey(ECCurve.NamedCurves.nistP256);
            var temp = path + ".tmp";
            File.WriteAllText(temp, key.ExportPkcs8PrivateKeyPem());
            if (!OperatingSystem.IsWindows())
            {
                File.SetUnixFileMode(temp, UnixFileMode.UserRead | UnixFileMode.UserWrite);
            }

            File.Move(temp, path, overwrite: true);
        }

        return new ServiceAccountKey(key);
    }

    /// <summary>The public key as a JSON Web Key (what <c>/openid/v1/jwks</c> lists).</summary>
    public Dictionary<string, string> PublicJwk()
    {
        var p = _key.ExportParameters(includePrivateParameters: false);
        return new Dictionary<string, string>
        {
            ["use"] = "sig",
            ["kty"] = "EC",
            ["kid"] = KeyId,
            ["crv"] = "P-256",
            ["alg"] = SecurityAlgorithms.EcdsaSha256,
            ["x"] = Base64UrlEncoder.Encode(p.Q.X),
            ["y"] = Base64UrlEncoder.Encode(p.Q.Y),
        };
    }

    public void Dispose() => _key.Dispose();
}
