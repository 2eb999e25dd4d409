using System.Security.Cryptography;
using System.Text;

namespace Skiff.ApiServer.Encryption;

/// <summary>
/// The providers of one resource rule, in order: writes use the first; reads use the provider whose prefix the
/// stored value carries (identity, when listed, reads values without one). A value no provider reads is an error,
/// as upstream's "no matching prefix found".
/// </summary>
public sealed class ProviderChain(IReadOnlyList<IValueTransformer> providers)
{
    private static readonly byte[] EncryptedMarker = Encoding.ASCII.GetBytes("k8s:enc:");

    public IReadOnlyList<IValueTransformer> Providers { get; } = providers;

    public byte[] ToStorage(ReadOnlySpan<byte> plain, string key) => Providers[0].ToStorage(plain, key);

    public byte[] FromStorage(ReadOnlySpan<byte> stored, string key) => FromStorage(stored, key, out _);

    /// <param name="stale">Whether a provider other than the first (the one writes use) read it.</param>
    public byte[] FromStorage(ReadOnlySpan<byte> stored, string key, out bool stale)
    {
        for (var i = 0; i < Providers.Count; i++)
        {
            var provider = Providers[i];
            if (provider.Prefix.Length > 0 && stored.StartsWith(Encoding.ASCII.GetBytes(provider.Prefix)))
            {
                stale = i > 0;
                return provider.FromStorage(stored, key);
            }
        }

        if (!stored.StartsWith(EncryptedMarker) && Providers.OfType<IdentityTransformer>().Any())
        {
            stale = Providers[0] is not IdentityTransformer;
            return stored.ToArray();
        }

        throw new CryptographicException($"no matching prefix found for the value at {key}: its key is not in the encryption configuration");
    }
}
