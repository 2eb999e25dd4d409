using System.Buffers.Text;
using System.Text.Json;

namespace Skiff.Storage;

/// <summary>
/// The position a paged list resumes from: the snapshot revision of the first page, the prefix listed and the last key
/// returned. Encoded as base64url of a small JSON object so that callers treat it as opaque.
/// </summary>
/// <param name="Revision">The revision of the first page's snapshot; every page is read at it.</param>
/// <param name="Prefix">The prefix the list was for; a token is refused for any other prefix.</param>
/// <param name="AfterKey">The last key returned; the next page starts strictly after it.</param>
public sealed record ContinueToken(long Revision, string Prefix, string AfterKey)
{
    /// <summary>The opaque text form handed to clients.</summary>
    public string Encode()
    {
        using var buffer = new MemoryStream();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            writer.WriteNumber("rev", Revision);
            writer.WriteString("prefix", Prefix);
            writer.WriteString("after", AfterKey);
            writer.WriteEndObject();
        }

        return Base64Url.EncodeToString(buffer.ToArray());
    }

    /// <summary>Reads a token produced by <see cref="Encode"/> for a list of <paramref name="prefix"/>.</summary>
    /// <exception cref="StorageException"><see cref="StorageErrorCode.InvalidArgument"/> when the token is malformed or was
    /// issued for another prefix.</exception>
    public static ContinueToken Decode(string token, string prefix)
    {
        ContinueToken? decoded = null;
        try
        {
            using var document = JsonDocument.Parse(Base64Url.DecodeFromChars(token));
            var root = document.RootElement;
            decoded = new ContinueToken(
                root.GetProperty("rev").GetInt64(),
                root.GetProperty("prefix").GetString() ?? string.Empty,
                root.GetProperty("after").GetString() ?? string.Empty);
        }
        catch (Exception e) when (e is FormatException or JsonException or KeyNotFoundException or InvalidOperationException)
        {
            throw new StorageException(StorageErrorCode.InvalidArgument, prefix, "the continue token is malformed", null, e);
        }

        if (decoded.Revision <= 0 || !decoded.AfterKey.StartsWith(decoded.Prefix, StringComparison.Ordinal))
        {
            throw new StorageException(StorageErrorCode.InvalidArgument, prefix, "the continue token is malformed");
        }

        if (!string.Equals(decoded.Prefix, prefix, StringComparison.Ordinal))
        {
            throw new StorageException(
                StorageErrorCode.InvalidArgument, prefix, $"the continue token was issued for another prefix ({decoded.Prefix})");
        }

        return decoded;
    }
}
