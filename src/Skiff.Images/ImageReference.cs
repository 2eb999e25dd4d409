namespace Skiff.Images;

/// <summary>
/// Image references in the full form containerd's CRI plugin stores and matches them in (docker's "normalized
/// named" rules): <c>nginx</c> is <c>docker.io/library/nginx:latest</c>, <c>me/app</c> is
/// <c>docker.io/me/app:latest</c>, <c>localhost:5000/app</c> is <c>localhost:5000/app:latest</c>; with a digest the
/// tag is dropped (<c>name@sha256:...</c>), as CRI's ParseDockerRef does.
/// </summary>
public static class ImageReference
{
    public const string DefaultDomain = "docker.io";

    public static string Normalize(string reference)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(reference);
        var text = reference.Trim();
        string? digest = null;
        var at = text.IndexOf('@', StringComparison.Ordinal);
        if (at >= 0)
        {
            digest = text[(at + 1)..];
            text = text[..at];
            if (!digest.Contains(':', StringComparison.Ordinal))
            {
                throw new FormatException($"invalid reference format: \"{reference}\"");
            }
        }

        string? tag = null;
        var lastSlash = text.LastIndexOf('/');
        var colon = text.LastIndexOf(':');
        if (colon > lastSlash)
        {
            tag = text[(colon + 1)..];
            text = text[..colon];
        }

        if (text.Length == 0 || text.StartsWith('/') || text.EndsWith('/') || (tag is not null && tag.Length == 0))
        {
            throw new FormatException($"invalid reference format: \"{reference}\"");
        }

        var slash = text.IndexOf('/', StringComparison.Ordinal);
        var first = slash < 0 ? string.Empty : text[..slash];
        // The first component is a registry host when it looks like one (has a dot or port, or is localhost).
        var hasDomain = slash >= 0 && (first.Contains('.', StringComparison.Ordinal) || first.Contains(':', StringComparison.Ordinal) || first == "localhost");
        string name;
        if (!hasDomain)
        {
            name = DefaultDomain + "/" + (slash < 0 ? "library/" + text : text);
        }
        else if (first == "index.docker.io")
        {
            var path = text[(slash + 1)..];
            name = DefaultDomain + "/" + (path.Contains('/', StringComparison.Ordinal) ? path : "library/" + path);
        }
        else if (first == DefaultDomain && !text[(slash + 1)..].Contains('/', StringComparison.Ordinal))
        {
            name = DefaultDomain + "/library/" + text[(slash + 1)..];
        }
        else
        {
            name = text;
        }

        if (name[(name.IndexOf('/', StringComparison.Ordinal) + 1)..].Any(char.IsUpper))
        {
            throw new FormatException($"invalid reference format: repository name must be lowercase: \"{reference}\"");
        }

        if (digest is not null)
        {
            return name + "@" + digest;
        }

        return name + ":" + (tag ?? "latest");
    }
}
