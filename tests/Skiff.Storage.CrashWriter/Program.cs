using System.Globalization;
using System.Text;
using Skiff.Storage;
using Skiff.Storage.Sqlite;

// Usage: Skiff.Storage.CrashWriter <database path> <concurrent writers> <run name>
// Writes until killed. Each writer creates /crash/<run>/w<i>/<n> and every few writes moves /crash/<run>/w<i>/counter forward
// with compare-and-swap. After each write is acknowledged it prints one line (stdout is flushed per line):
//   create <key> <revision>
//   update <key> <revision> <value>
// Started and SIGKILLed by the kill -9 test in Skiff.Storage.Tests.
if (args.Length != 3)
{
    await Console.Error.WriteLineAsync("usage: Skiff.Storage.CrashWriter <database path> <concurrent writers> <run name>");
    return 2;
}

var writers = int.Parse(args[1], CultureInfo.InvariantCulture);
await using var store = await SqliteStore.OpenAsync(args[0], new SqliteStoreOptions { Compaction = null }, CancellationToken.None);
var output = Console.Out;
await output.WriteLineAsync($"ready {await store.GetCurrentRevisionAsync(CancellationToken.None)}");
await output.FlushAsync();

await Task.WhenAll(Enumerable.Range(0, writers).Select(w => Task.Run(() => WriteForeverAsync(w))));
return 0;

async Task WriteForeverAsync(int writer)
{
    var counterKey = $"/crash/{args[2]}/w{writer}/counter";
    var counter = await store.CreateAsync(counterKey, Encoding.UTF8.GetBytes("0"), CancellationToken.None);
    await ReportAsync($"create {counterKey} {counter.ModRevision}");
    for (var n = 0; ; n++)
    {
        var key = $"/crash/{args[2]}/w{writer}/{n:D7}";
        var created = await store.CreateAsync(key, Encoding.UTF8.GetBytes(key), CancellationToken.None);
        await ReportAsync($"create {key} {created.ModRevision}");
        if (n % 4 == 0)
        {
            var value = (n / 4) + 1;
            counter = await store.UpdateAsync(counterKey, Encoding.UTF8.GetBytes(value.ToString(CultureInfo.InvariantCulture)), counter.ModRevision, CancellationToken.None);
            await ReportAsync($"update {counterKey} {counter.ModRevision} {value}");
        }
    }
}

async Task ReportAsync(string line)
{
    // Console.Out is synchronized (lines stay whole across writers) and flushes every write.
    await output.WriteLineAsync(line);
}
