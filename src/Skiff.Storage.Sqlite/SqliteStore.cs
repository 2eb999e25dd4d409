using Microsoft.Data.Sqlite;
using Skiff.Storage.Compaction;
using Skiff.Storage.Watching;

namespace Skiff.Storage.Sqlite;

/// <summary>
/// The embedded, durable <see cref="IStore"/>: one SQLite file in WAL mode with <c>synchronous = FULL</c>.
/// </summary>
/// <remarks>
/// <para>Writes go through one writer loop with group commit (see <see cref="SqliteWriter"/>); a write returns only after
/// the transaction holding it is committed, so it survives kill -9 and power loss.</para>
/// <para>Reads use pooled connections, each inside one read transaction, so a list is one consistent snapshot.</para>
/// <para>Watchers are fed by the writer right after each commit; a watch from a past revision first replays the log.
/// A watcher more than <see cref="SqliteStoreOptions.WatchBufferSize"/> events behind is ended with
/// <see cref="StorageErrorCode.Unavailable"/>.</para>
/// <para>History is compacted in the background following <see cref="SqliteStoreOptions.Compaction"/>.</para>
/// <para>One process may open a given file at a time.</para>
/// </remarks>
public sealed partial class SqliteStore : IStore
{
    private readonly string _readConnectionString;
    private readonly SqliteConnection _writeConnection;
    private readonly SqliteWriter _writer;
    private readonly WatchBroadcaster _broadcaster;
    private readonly BackgroundCompactor? _compactor;
    private int _disposed;

    private SqliteStore(string path, SqliteConnection writeConnection, SqliteStoreOptions options, long revision, long compacted)
    {
        Path = path;
        _writeConnection = writeConnection;
        _readConnectionString = new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWrite,
            Pooling = true,
        }.ToString();
        _broadcaster = new WatchBroadcaster(revision, options.WatchBufferSize);
        _writer = new SqliteWriter(writeConnection, options, _broadcaster, revision, compacted);
        if (options.Compaction is not null)
        {
            _compactor = new BackgroundCompactor(this, options.Compaction, options.Time);
        }
    }

    /// <summary>The database file.</summary>
    public string Path { get; }

    /// <summary>
    /// Opens the store in the file at <paramref name="path"/>, creating the file and its tables when missing. Every write
    /// acknowledged before a crash is there, and revisions continue from the last one.
    /// </summary>
    public static Task<SqliteStore> OpenAsync(string path, SqliteStoreOptions options, CancellationToken cancellationToken)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        ArgumentNullException.ThrowIfNull(options);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.MaxWritesPerCommit);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(options.CompactionRevisionsPerTransaction);
        cancellationToken.ThrowIfCancellationRequested();
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder
        {
            DataSource = path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = false,
        }.ToString());
        try
        {
            connection.Open();
            SqliteSchema.Prepare(connection);
            var revision = SqliteSchema.ReadCurrentRevision(connection, null);
            var compacted = SqliteSchema.ReadCompactRevision(connection, null);
            return Task.FromResult(new SqliteStore(path, connection, options, revision, compacted));
        }
        catch (SqliteException e)
        {
            connection.Dispose();
            throw new StorageException(StorageErrorCode.Unavailable, string.Empty, $"cannot open the store at {path}: {e.Message}", null, e);
        }
    }

    public Task<long> GetCurrentRevisionAsync(CancellationToken cancellationToken) => Task.FromResult(_writer.Revision);

    public Task<long> GetCompactedRevisionAsync(CancellationToken cancellationToken) => Task.FromResult(_writer.CompactedRevision);

    public async Task<KeyValue> CreateAsync(string key, ReadOnlyMemory<byte> value, CancellationToken cancellationToken)
    {
        StorageErrors.ThrowIfInvalidKey(key);
        return (await SubmitAsync(new WriteRequest(WriteKind.Create, key, value.ToArray(), null, cancellationToken)))!;
    }

    public async Task<KeyValue> UpdateAsync(string key, ReadOnlyMemory<byte> value, long expectedModRevision, CancellationToken cancellationToken)
    {
        StorageErrors.ThrowIfInvalidKey(key);
        return (await SubmitAsync(new WriteRequest(WriteKind.Update, key, value.ToArray(), expectedModRevision, cancellationToken)))!;
    }

    public async Task<KeyValue> DeleteAsync(string key, long? expectedModRevision, CancellationToken cancellationToken)
    {
        StorageErrors.ThrowIfInvalidKey(key);
        return (await SubmitAsync(new WriteRequest(WriteKind.Delete, key, [], expectedModRevision, cancellationToken)))!;
    }

    public Task CompactAsync(long revision, CancellationToken cancellationToken) =>
        SubmitAsync(new WriteRequest(WriteKind.Compact, string.Empty, [], revision, cancellationToken));

    public async ValueTask DisposeAsync()
    {
        if (Interlocked.Exchange(ref _disposed, 1) != 0)
        {
            return;
        }

        if (_compactor is not null)
        {
            await _compactor.DisposeAsync();
        }

        await _writer.DisposeAsync();
        _broadcaster.Close(StorageErrors.Closed());
        SqliteConnection.ClearPool(_writeConnection);
        using (var reader = new SqliteConnection(_readConnectionString))
        {
            SqliteConnection.ClearPool(reader);
        }

        await _writeConnection.DisposeAsync();
    }

    private Task<KeyValue?> SubmitAsync(WriteRequest request)
    {
        request.CancellationToken.ThrowIfCancellationRequested();
        if (Volatile.Read(ref _disposed) != 0)
        {
            throw StorageErrors.Closed();
        }

        return _writer.SubmitAsync(request);
    }
}
