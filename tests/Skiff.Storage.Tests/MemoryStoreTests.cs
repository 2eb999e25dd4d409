using Skiff.Storage.Memory;

namespace Skiff.Storage.Tests;

public sealed class MemoryStoreTests : StoreConformanceTests
{
    protected override Task<IStore> CreateStoreAsync(int watchBufferSize = 10_000) =>
        Task.FromResult<IStore>(new MemoryStore(new MemoryStoreOptions { WatchBufferSize = watchBufferSize }));
}
