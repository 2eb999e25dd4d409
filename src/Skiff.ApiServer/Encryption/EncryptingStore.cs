using System.Runtime.CompilerServices;
using Skiff.Storage;

namespace Skiff.ApiServer.Encryption;

/// <summary>
/// Encryption at rest between the API server and its store: values under the configured resources' prefixes are
/// transformed by their providers on every write and read (gets, lists, watch events and their previous values),
/// so the store — SQLite file or etcd — only ever holds ciphertext for them. Everything else passes through.
/// </summary>
public sealed class EncryptingStore(IStore inner, EncryptionConfiguration configuration) : IStore
{
    public Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken) => inner.GetCurrentRevisionAsync(cancellationToken);

    public Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken) => inner.GetCompactedRevisionAsync(cancellationToken);

    public async Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken) =>
        Decrypt(await inner.GetAsync(key, cancellationToken));

    public async Task<ListResult> ListAsync(string prefix, ListOptions options, CancellationToken cancellationToken)
    {
        var result = await inner.ListAsync(prefix, options, cancellationToken);
        return result with { Items = [.. result.Items.Select(kv => Decrypt(kv)!)] };
    }

    public Task<long> CountAsync(string prefix, CancellationToken cancellationToken) => inner.CountAsync(prefix, cancellationToken);

    public async Task<KeyValue> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken) =>
        (await inner.CreateAsync(key, Encrypt(key, value), cancellationToken)) with { Value = value };

    public async Task<KeyValue> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken) =>
        (await inner.UpdateAsync(key, Encrypt(key, value), expectedModRevision, cancellationToken)) with { Value = value };

    public async Task<KeyValue> DeleteAsync(string key, long? expectedModRevision, CancellationToken cancellationToken) =>
        Decrypt(await inner.DeleteAsync(key, expectedModRevision, cancellationToken))!;

    public async IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, [EnumeratorCancellation] CancellationToken cancellationToken)
    {
        await foreach (var e in inner.WatchAsync(prefix, afterRevision, cancellationToken))
        {
            var chain = configuration.For(e.Key);
            yield return chain is null
                ? e
                : e with
                {
                    Value = e.Value.IsEmpty ? e.Value : chain.FromStorage(e.Value.Span, e.Key),
                    PreviousValue = e.PreviousValue is { IsEmpty: false } previous ? chain.FromStorage(previous.Span, e.Key) : e.PreviousValue,
                };
        }
    }

    public Task CompactAsync(long revision, CancellationToken cancellationToken) => inner.CompactAsync(revision, cancellationToken);

    /// <summary>The inner store stays owned by whoever opened it.</summary>
    public ValueTask DisposeAsync() => ValueTask.CompletedTask;

    private ReadOnlyMemory<byte> Encrypt(string key, ReadOnlyMemory<byte> value) =>
        configuration.For(key) is { } chain ? chain.ToStorage(value.Span, key) : value;

    private KeyValue? Decrypt(KeyValue? kv)
    {
        if (kv is null || kv.Value.IsEmpty || configuration.For(kv.Key) is not { } chain)
        {
            return kv;
        }

        var plain = chain.FromStorage(kv.Value.Span, kv.Key, out var stale);
        return kv with { Value = plain, Stale = stale };
    }
}
