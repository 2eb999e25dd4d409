using System.Text.Json;

namespace Skiff.ApiServer.ServiceAccounts;

/// <summary>
/// The OIDC discovery documents kube-apiserver serves so that others can verify service account tokens:
/// <c>/.well-known/openid-configuration</c> and <c>/openid/v1/jwks</c> (readable by
/// <c>system:service-account-issuer-discovery</c>).
/// </summary>
public static class IssuerDiscovery
{
    public const string ConfigurationPath = "/.well-known/openid-configuration";
    public const string KeysPath = "/openid/v1/jwks";

    public static byte[] Configuration(ServiceAccountTokens tokens, Uri serverAddress) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
    {
        ["issuer"] = tokens.Issuer,
        ["jwks_uri"] = new Uri(serverAddress, KeysPath).ToString(),
        ["response_types_supported"] = new[] { "id_token" },
        ["subject_types_supported"] = new[] { "public" },
        ["id_token_signing_alg_values_supported"] = new[] { "ES256" },
    });

    public static byte[] Keys(ServiceAccountTokens tokens) => JsonSerializer.SerializeToUtf8Bytes(new Dictionary<string, object>
    {
        ["keys"] = new[] { tokens.Key.PublicJwk() },
    });
}
