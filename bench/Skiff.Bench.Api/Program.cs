using Microsoft.Extensions.Logging;
using Skiff.Apimachinery;
using Skiff.ApiServer;
using Skiff.Bench.Api;
using Skiff.Storage.Sqlite;

// Usage:
//   Skiff.Bench.Api                 run the load benchmark on a fresh SQLite store in a temp dir
//   Skiff.Bench.Api serve DIR [PORT] run the API server on DIR/state.db until Ctrl+C (for manual kubectl runs)
if (args.Length >= 2 && args[0] == "serve")
{
    var dir = Path.GetFullPath(args[1]);
    Directory.CreateDirectory(dir);
    using var stop = new CancellationTokenSource();
    Console.CancelKeyPress += (_, e) =>
    {
        e.Cancel = true;
        stop.Cancel();
    };
    using var loggers = LoggerFactory.Create(b => b.AddSimpleConsole().SetMinimumLevel(LogLevel.Information).AddFilter("Microsoft", LogLevel.Warning));
    await using var store = await SqliteStore.OpenAsync(Path.Combine(dir, "state.db"), SqliteStoreOptions.Default, stop.Token);
    await using var server = await ApiServer.StartAsync(
        new ApiServerOptions
        {
            DataDirectory = dir,
            Resources = ResourceCatalog.CreateBuiltIn().All,
            Port = args.Length > 2 ? int.Parse(args[2], System.Globalization.CultureInfo.InvariantCulture) : 6443,
        },
        store, loggers, stop.Token);
    Console.WriteLine($"serving {server.Address}; kubeconfig {server.KubeconfigPath}");
    try
    {
        await Task.Delay(Timeout.Infinite, stop.Token);
    }
    catch (OperationCanceledException)
    {
    }

    return 0;
}

return await LoadBenchmark.RunAsync();
