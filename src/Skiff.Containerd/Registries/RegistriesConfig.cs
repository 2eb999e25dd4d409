namespace Skiff.Containerd.Registries;

/// <summary>
/// A node's registry configuration in k3s's <c>registries.yaml</c> shape: <c>mirrors</c> (per registry host, or
/// <c>"*"</c> for every registry, the endpoints to try in order before the registry itself) and <c>configs</c> (per
/// registry or endpoint host, the credentials and TLS settings to use).
/// </summary>
public sealed record RegistriesConfig
{
    public static RegistriesConfig Empty { get; } = new();

    public IReadOnlyDictionary<string, RegistryMirror> Mirrors { get; init; } = new Dictionary<string, RegistryMirror>();

    public IReadOnlyDictionary<string, RegistryHostConfig> Configs { get; init; } = new Dictionary<string, RegistryHostConfig>();

    public bool IsEmpty => Mirrors.Count == 0 && Configs.Count == 0;
}

/// <summary>Endpoints (URLs; <c>http://</c> for plain HTTP, <c>https://</c> by default) tried in order for one registry.</summary>
public sealed record RegistryMirror(IReadOnlyList<Uri> Endpoints);

/// <summary>How to talk to one registry host: its credentials and its TLS settings.</summary>
public sealed record RegistryHostConfig(RegistryAuth? Auth, RegistryTls? Tls);

/// <summary>Basic credentials, a base64 <c>user:password</c> pair, or an identity (refresh) token.</summary>
public sealed record RegistryAuth(string? Username, string? Password, string? Auth, string? IdentityToken);

/// <summary>The CA to trust, a client certificate pair, and whether to skip verification altogether.</summary>
public sealed record RegistryTls(string? CaFile, string? CertFile, string? KeyFile, bool InsecureSkipVerify);
