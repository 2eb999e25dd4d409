namespace Skiff.Storage;

/// <summary>
/// The cluster state store: the contract of etcd v3 as Kubernetes uses it, bytes in and bytes out.
/// </summary>
/// <remarks>
/// <para>There is one global revision. Every successful write (create, update, delete) increments it by exactly one,
/// and the written key's <see cref="KeyValue.ModRevision"/> becomes that revision. Revisions start at 1 for the first
/// write; <see cref="GetCurrentRevisionAsync"/> of an empty store is 0.</para>
/// <para>A write that returned successfully is durable: it survives a crash of the process (kill -9).</para>
/// <para>Failures are reported as <see cref="StorageException"/> with a <see cref="StorageErrorCode"/>.</para>
/// <para>Implementations are safe for concurrent use.</para>
/// <para>A write whose <see cref="CancellationToken"/> is cancelled after the call started may still be committed
/// (as with etcd, the outcome is then unknown); one cancelled before it reached the store is not applied.</para>
/// </remarks>
public interface IStore : IAsyncDisposable
{
    /// <summary>The revision of the last committed write (0 when nothing was ever written).</summary>
    Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken);

    /// <summary>The revision up to which history was compacted (0 when never compacted).</summary>
    Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken);

    /// <summary>The current value of <paramref name="key"/>, or null when it does not exist.</summary>
    /// <remarks>Keys are non-empty strings, compared ordinally; Kubernetes keys are ASCII.</remarks>
    Task<KeyValue?> GetAsync(string key, CancellationToken cancellationToken);

    /// <summary>
    /// The keys starting with <paramref name="prefix"/>, ordered by key, as one consistent snapshot.
    /// See <see cref="ListOptions"/> for revision, limit and continue semantics.
    /// </summary>
    /// <exception cref="StorageException"><see cref="StorageErrorCode.Compacted"/> when the asked revision (or the
    /// continue token's) is below the compacted revision; <see cref="StorageErrorCode.InvalidArgument"/> for a
    /// malformed continue token, a token for another prefix, or a revision in the future.</exception>
    Task<ListResult> ListAsync(string prefix, ListOptions options, CancellationToken cancellationToken);

    /// <summary>How many keys start with <paramref name="prefix"/> now.</summary>
    Task<long> CountAsync(string prefix, CancellationToken cancellationToken);

    /// <summary>Creates <paramref name="key"/>; fails with <see cref="StorageErrorCode.KeyExists"/> if it exists.</summary>
    /// <returns>The stored key-value with its create and mod revision (equal for a create).</returns>
    Task<KeyValue> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken);

    /// <summary>
    /// Replaces the value of <paramref name="key"/> if its current mod revision equals
    /// <paramref name="expectedModRevision"/> (compare-and-swap).
    /// </summary>
    /// <exception cref="StorageException"><see cref="StorageErrorCode.NotFound"/> when the key does not exist;
    /// <see cref="StorageErrorCode.Conflict"/> when its mod revision differs (the exception carries the current value).</exception>
    Task<KeyValue> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken);

    /// <summary>
    /// Deletes <paramref name="key"/>, guarded by <paramref name="expectedModRevision"/> when given.
    /// </summary>
    /// <returns>The value that was deleted, with <see cref="KeyValue.ModRevision"/> set to the revision of the delete.</returns>
    /// <exception cref="StorageException"><see cref="StorageErrorCode.NotFound"/> or <see cref="StorageErrorCode.Conflict"/>.</exception>
    Task<KeyValue> DeleteAsync(string key, long? expectedModRevision, CancellationToken cancellationToken);

    /// <summary>
    /// Every change to keys starting with <paramref name="prefix"/> with a revision strictly greater than
    /// <paramref name="afterRevision"/>, in revision order, with no gaps and no duplicates, then live changes until
    /// cancelled. Events carry the previous value. Events already committed are replayed from history, then the stream
    /// switches to live events without a gap or a duplicate. <paramref name="afterRevision"/> may be in the future.
    /// </summary>
    /// <remarks>
    /// <para>Watching from the compacted revision itself is allowed (every later event and its previous value are
    /// kept); watching from below it is <see cref="StorageErrorCode.Compacted"/>. This is one stricter than etcd, whose
    /// watch <c>start_revision</c> is <paramref name="afterRevision"/> + 1.</para>
    /// <para>A watcher never holds back writers: each has a bounded buffer of undelivered live events. When it is full
    /// the watch ends with <see cref="StorageErrorCode.Unavailable"/> (message "fell ... behind") after the events
    /// already buffered are delivered; the caller watches again from the last revision it received.</para>
    /// <para>Cancelling <paramref name="cancellationToken"/> ends the enumeration with
    /// <see cref="OperationCanceledException"/>; disposing the store ends it with
    /// <see cref="StorageErrorCode.Unavailable"/>.</para>
    /// </remarks>
    /// <exception cref="StorageException"><see cref="StorageErrorCode.Compacted"/> (thrown on the first
    /// <c>MoveNextAsync</c>, or later if a compaction overtakes a long replay) when <paramref name="afterRevision"/> is
    /// below the compacted revision, so the events after it are no longer all known.</exception>
    IAsyncEnumerable<WatchEvent> WatchAsync(string prefix, long afterRevision, CancellationToken cancellationToken);

    /// <summary>
    /// Forgets history before <paramref name="revision"/>: values overwritten or deleted at or before it can no longer
    /// be listed or watched. The latest value of every live key is kept. Compacting at or below the current compacted
    /// revision does nothing.
    /// </summary>
    /// <remarks>Afterwards lists at a revision below <paramref name="revision"/> and watches from below it fail with
    /// <see cref="StorageErrorCode.Compacted"/>; a list at <paramref name="revision"/> or later, and a watch from it or
    /// later, still work.</remarks>
    /// <exception cref="StorageException"><see cref="StorageErrorCode.InvalidArgument"/> when
    /// <paramref name="revision"/> is newer than the current revision.</exception>
    Task CompactAsync(long revision, CancellationToken cancellationToken);
}
