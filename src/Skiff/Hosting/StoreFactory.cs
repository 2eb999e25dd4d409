using Skiff.Storage;
using Skiff.Storage.Memory;
using Skiff.Storage.Sqlite;

namespace Skiff.Hosting;

/// <summary>Opens the store the server was asked for: the embedded SQLite file by default, or memory for throwaway clusters.</summary>
internal static class StoreFactory
{
    public const string Sqlite = "sqlite";
    public const string Memory = "memory";

    public static readonly string[] Kinds = [Sqlite, Memory];

    public static async Task<IStore> OpenAsync(string kind, string dataDirectory, CancellationToken cancellationToken)
    {
        switch (kind)
        {
            case Sqlite:
                var directory = Path.Combine(dataDirectory, "db");
                Directory.CreateDirectory(directory);
                return await SqliteStore.OpenAsync(Path.Combine(directory, "state.db"), SqliteStoreOptions.Default, cancellationToken);
            case Memory:
                return new MemoryStore(new MemoryStoreOptions());
            default:
                throw new ArgumentException($"unknown storage '{kind}'; expected one of: {string.Join(", ", Kinds)}", nameof(kind));
        }
    }
}
