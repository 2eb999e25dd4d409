using YamlDotNet.Core;
using YamlDotNet.Serialization;
using YamlDotNet.Serialization.NamingConventions;

namespace Skiff.Containerd.Registries;

/// <summary>
/// Reads k3s's <c>registries.yaml</c>. Unknown keys are refused with their line rather than ignored, so a typo
/// (<c>endpoints:</c> for <c>endpoint:</c>) does not silently leave a mirror unused.
/// </summary>
public static class RegistriesFile
{
    /// <summary>The file's configuration, or <see cref="RegistriesConfig.Empty"/> when it does not exist.</summary>
    public static async Task<RegistriesConfig> LoadAsync(string path, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(path);
        if (!File.Exists(path))
        {
            return RegistriesConfig.Empty;
        }

        var text = await File.ReadAllTextAsync(path, cancellationToken).ConfigureAwait(false);
        try
        {
            return Parse(text);
        }
        catch (FormatException e)
        {
            throw new FormatException($"{path}: {e.Message}", e);
        }
    }

    /// <summary>Parses the YAML text; <see cref="FormatException"/> says what is wrong and where.</summary>
    public static RegistriesConfig Parse(string yaml)
    {
        ArgumentNullException.ThrowIfNull(yaml);
        var deserializer = new DeserializerBuilder().WithNamingConvention(UnderscoredNamingConvention.Instance).Build();
        RegistriesDocument? document;
        try
        {
            document = deserializer.Deserialize<RegistriesDocument?>(yaml);
        }
        catch (YamlException e)
        {
            var message = e.InnerException?.Message ?? e.Message;
            throw new FormatException($"line {e.Start.Line}: {message}", e);
        }

        if (document is null)
        {
            return RegistriesConfig.Empty;
        }

        var mirrors = new Dictionary<string, RegistryMirror>(StringComparer.Ordinal);
        foreach (var (host, mirror) in document.Mirrors ?? [])
        {
            if ((mirror?.Rewrite?.Count ?? 0) > 0)
            {
                // k3s patches its containerd for rewrites; the containerd 1.6 hosts.toml format has no such key.
                throw new FormatException($"mirrors.\"{host}\".rewrite is not supported: this node's containerd cannot rewrite repository names");
            }

            mirrors[host] = new RegistryMirror((mirror?.Endpoint ?? []).Select(e => EndpointUri(host, e)).ToList());
        }

        var configs = new Dictionary<string, RegistryHostConfig>(StringComparer.Ordinal);
        foreach (var (host, config) in document.Configs ?? [])
        {
            var auth = config?.Auth is { } a ? new RegistryAuth(a.Username, a.Password, a.Auth, a.IdentityToken) : null;
            var tls = config?.Tls is { } t ? new RegistryTls(t.CaFile, t.CertFile, t.KeyFile, t.InsecureSkipVerify) : null;
            if (tls is not null && (tls.CertFile is null) != (tls.KeyFile is null))
            {
                throw new FormatException($"configs.\"{host}\".tls: cert_file and key_file go together");
            }

            configs[HostOf(host)] = new RegistryHostConfig(auth, tls);
        }

        return new RegistriesConfig { Mirrors = mirrors, Configs = configs };
    }

    /// <summary>A config key may be a bare host or an endpoint URL; containerd looks credentials up by host.</summary>
    internal static string HostOf(string key) =>
        Uri.TryCreate(key, UriKind.Absolute, out var uri) && uri.Scheme is "http" or "https" ? uri.Authority : key.TrimEnd('/');

    private static Uri EndpointUri(string host, string endpoint)
    {
        var text = endpoint.Contains("://", StringComparison.Ordinal) ? endpoint : "https://" + endpoint;
        if (!Uri.TryCreate(text, UriKind.Absolute, out var uri) || uri.Scheme is not ("http" or "https"))
        {
            throw new FormatException($"mirrors.\"{host}\".endpoint: \"{endpoint}\" is not an http or https URL");
        }

        return uri;
    }

    // The YAML shape, as k3s's Go structs name it (snake_case keys).
    private sealed class RegistriesDocument
    {
        public Dictionary<string, MirrorDocument?>? Mirrors { get; set; }

        public Dictionary<string, ConfigDocument?>? Configs { get; set; }
    }

    private sealed class MirrorDocument
    {
        public List<string>? Endpoint { get; set; }

        public Dictionary<string, string>? Rewrite { get; set; }
    }

    private sealed class ConfigDocument
    {
        public AuthDocument? Auth { get; set; }

        public TlsDocument? Tls { get; set; }
    }

    private sealed class AuthDocument
    {
        public string? Username { get; set; }

        public string? Password { get; set; }

        public string? Auth { get; set; }

        public string? IdentityToken { get; set; }
    }

    private sealed class TlsDocument
    {
        public string? CaFile { get; set; }

        public string? CertFile { get; set; }

        public string? KeyFile { get; set; }

        public bool InsecureSkipVerify { get; set; }
    }
}
