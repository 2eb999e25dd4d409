using System.Text;
using System.Text.Json;

namespace Skiff.Kubelet.Images;

/// <summary>One registry credential from a docker config (<c>auths</c> entry).</summary>
public sealed record RegistryCredential(string Username, string Password, string ServerAddress, string? IdentityToken);

/// <summary>
/// The credentials of a pod's image pull secrets, looked up by image as upstream's credential provider keyring does
/// (pkg/credentialprovider): keys are <c>host[:port][/path]</c> with an optional scheme and <c>*</c> globs per host
/// label; an image matches a key when the hosts match label by label, the ports are equal and the key's path is a
/// prefix of the image's repository; Docker Hub images (<c>nginx</c>, <c>user/app</c>, <c>docker.io/...</c>) match
/// Docker Hub's keys (<c>docker.io</c>, <c>index.docker.io</c>, <c>https://index.docker.io/v1/</c>). Matching keys are
/// tried most specific first (reverse order of the keys' text, as upstream sorts them).
/// </summary>
public sealed class DockerKeyring
{
    private const string DockerHub = "index.docker.io";
    private readonly List<(string Key, RegistryCredential Credential)> entries = [];

    public bool IsEmpty => entries.Count == 0;

    /// <summary>Adds the entries of a <c>.dockerconfigjson</c> (<c>{"auths": {...}}</c>) or legacy
    /// <c>.dockercfg</c> (<c>{...}</c>) document. Returns false, adding nothing, when it is not valid JSON of
    /// that shape.</summary>
    public bool Add(ReadOnlySpan<byte> json, bool legacyFormat)
    {
        JsonDocument document;
        try
        {
            document = JsonDocument.Parse(json.ToArray());
        }
        catch (JsonException)
        {
            return false;
        }

        using (document)
        {
            var auths = document.RootElement;
            if (!legacyFormat && (auths.ValueKind != JsonValueKind.Object || !auths.TryGetProperty("auths", out auths)))
            {
                return false;
            }

            if (auths.ValueKind != JsonValueKind.Object)
            {
                return false;
            }

            var added = new List<(string, RegistryCredential)>();
            foreach (var entry in auths.EnumerateObject())
            {
                if (entry.Value.ValueKind != JsonValueKind.Object)
                {
                    continue;
                }

                var username = Text(entry.Value, "username");
                var password = Text(entry.Value, "password");
                if (Text(entry.Value, "auth") is { Length: > 0 } auth && DecodeAuth(auth) is var (user, pass))
                {
                    // As upstream: "auth" (base64 user:password) wins over separate fields.
                    username = user;
                    password = pass;
                }

                added.Add((NormalizeKey(entry.Name), new RegistryCredential(username ?? string.Empty, password ?? string.Empty, entry.Name, Text(entry.Value, "identitytoken"))));
            }

            entries.AddRange(added);
            entries.Sort((a, b) => string.CompareOrdinal(b.Key, a.Key));
            return true;
        }
    }

    /// <summary>The credentials that apply to <paramref name="image"/>, most specific first; empty when none do.</summary>
    public IReadOnlyList<RegistryCredential> Lookup(string image)
    {
        ArgumentNullException.ThrowIfNull(image);
        var repository = RepositoryOf(image);
        return entries.Where(e => Matches(e.Key, repository)).Select(e => e.Credential).ToList();
    }

    /// <summary><c>host[:port]/path</c> of the image's repository, Docker Hub's as <c>index.docker.io/...</c>.</summary>
    public static string RepositoryOf(string image)
    {
        var name = image;
        var at = name.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            name = name[..at];
        }

        var lastSlash = name.LastIndexOf('/');
        var colon = name.IndexOf(':', lastSlash + 1);
        if (colon >= 0)
        {
            name = name[..colon];
        }

        var slash = name.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? string.Empty : name[..slash];
        var isRegistry = slash >= 0 && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost");
        if (!isRegistry)
        {
            return DockerHub + "/" + (slash < 0 ? "library/" + name : name);
        }

        return first is "docker.io" or DockerHub or "registry-1.docker.io" ? DockerHub + name[slash..] : name;
    }

    /// <summary>A key without its scheme, with Docker Hub's aliases and the <c>/v1/</c>/<c>/v2/</c> API prefixes
    /// folded.</summary>
    public static string NormalizeKey(string key)
    {
        var text = key.Trim();
        var scheme = text.IndexOf("://", StringComparison.Ordinal);
        if (scheme >= 0)
        {
            text = text[(scheme + 3)..];
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var host = (slash < 0 ? text : text[..slash]).ToLowerInvariant();
        var path = slash < 0 ? string.Empty : text[slash..];
        if (path.StartsWith("/v1/", StringComparison.Ordinal) || path.StartsWith("/v2/", StringComparison.Ordinal))
        {
            path = path[3..];
        }

        path = path.TrimEnd('/');
        if (host is "docker.io" or "registry-1.docker.io")
        {
            host = DockerHub;
        }

        return host + path;
    }

    private static bool Matches(string key, string repository)
    {
        var (keyHost, keyPath) = Split(key);
        var (imageHost, imagePath) = Split(repository);
        var (keyName, keyPort) = SplitPort(keyHost);
        var (imageName, imagePort) = SplitPort(imageHost);
        if (keyPort != imagePort)
        {
            return false;
        }

        var keyLabels = keyName.Split('.');
        var imageLabels = imageName.Split('.');
        if (keyLabels.Length != imageLabels.Length)
        {
            return false;
        }

        for (var i = 0; i < keyLabels.Length; i++)
        {
            if (!GlobMatches(keyLabels[i], imageLabels[i]))
            {
                return false;
            }
        }

        return keyPath.Length == 0 || imagePath.StartsWith(keyPath, StringComparison.Ordinal);
    }

    private static (string Host, string Path) Split(string value)
    {
        var slash = value.IndexOf('/', StringComparison.Ordinal);
        return slash < 0 ? (value, string.Empty) : (value[..slash], value[slash..]);
    }

    private static (string Name, string Port) SplitPort(string host)
    {
        var colon = host.LastIndexOf(':');
        return colon < 0 ? (host, string.Empty) : (host[..colon], host[(colon + 1)..]);
    }

    /// <summary>Shell-style glob of one host label (<c>*</c> and <c>?</c>), as Go's path.Match.</summary>
    private static bool GlobMatches(string pattern, string text)
    {
        if (!pattern.Contains('*', StringComparison.Ordinal) && !pattern.Contains('?', StringComparison.Ordinal))
        {
            return string.Equals(pattern, text, StringComparison.OrdinalIgnoreCase);
        }

        var regex = "^" + System.Text.RegularExpressions.Regex.Escape(pattern).Replace("\\*", ".*", StringComparison.Ordinal).Replace("\\?", ".", StringComparison.Ordinal) + "$";
        return System.Text.RegularExpressions.Regex.IsMatch(text, regex, System.Text.RegularExpressions.RegexOptions.IgnoreCase | System.Text.RegularExpressions.RegexOptions.CultureInvariant, TimeSpan.FromSeconds(1));
    }

    private static string? Text(JsonElement element, string name) =>
        element.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;

    private static (string User, string Password)? DecodeAuth(string auth)
    {
        try
        {
            var decoded = Encoding.UTF8.GetString(Convert.FromBase64String(auth));
            var colon = decoded.IndexOf(':', StringComparison.Ordinal);
            return colon < 0 ? null : (decoded[..colon], decoded[(colon + 1)..]);
        }
        catch (FormatException)
        {
            return null;
        }
    }
}
