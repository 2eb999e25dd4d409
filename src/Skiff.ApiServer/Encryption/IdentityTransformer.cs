namespace Skiff.ApiServer.Encryption;

/// <summary>The <c>identity</c> provider: values stored as they are.</summary>
public sealed class IdentityTransformer : IValueTransformer
{
    public string Prefix => string.Empty;

    public byte[] ToStorage(ReadOnlySpan<byte> plain, string key) => plain.ToArray();

    public byte[] FromStorage(ReadOnlySpan<byte> stored, string key) => stored.ToArray();
}
