namespace Skiff.ApiServer.Encryption;

/// <summary>One provider of an EncryptionConfiguration: turns a stored value into what is written to the store and
/// back (upstream's value.Transformer). The storage key is the authenticated context where the provider uses one.</summary>
public interface IValueTransformer
{
    /// <summary>The prefix its stored values start with (<c>k8s:enc:aesgcm:v1:key1:</c>); empty for identity.</summary>
    string Prefix { get; }

    byte[] ToStorage(ReadOnlySpan<byte> plain, string key);

    byte[] FromStorage(ReadOnlySpan<byte> stored, string key);
}
