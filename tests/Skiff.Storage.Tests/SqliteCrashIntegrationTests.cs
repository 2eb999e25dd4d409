using System.Diagnostics;
using System.Globalization;
using System.Text;
using Skiff.Storage.Sqlite;

namespace Skiff.Storage.Tests;

/// <summary>
/// An acknowledged write is never lost, including across kill -9: a child process writes with several concurrent
/// writers and prints each acknowledged write; it is SIGKILLed mid-loop, and the reopened file must hold every write
/// it acknowledged, with revisions continuing after them.
/// </summary>
public sealed class SqliteCrashIntegrationTests : IDisposable
{
    private const int Writers = 8;
    private const int AcknowledgementsBeforeKill = 400;

    private readonly string _directory = Directory.CreateTempSubdirectory("skiff-crash-").FullName;
    private readonly CancellationTokenSource _timeout = new(TimeSpan.FromMinutes(3));

    private string DatabasePath => Path.Combine(_directory, "state.db");

    public void Dispose()
    {
        _timeout.Dispose();
        Directory.Delete(_directory, recursive: true);
    }

    [Fact]
    public async Task Every_acknowledged_write_survives_kill_9_and_revisions_continue()
    {
        var ct = _timeout.Token;
        var acknowledged = new Acknowledgements();
        for (var run = 0; run < 2; run++)
        {
            var startRevision = await RunAndKillAsync($"run{run}", acknowledged, ct);
            Assert.True(startRevision >= acknowledged.PreviousRunsHighestRevision, "the revision went back after a crash");
            acknowledged.EndRun();

            await using var store = await SqliteStore.OpenAsync(DatabasePath, new SqliteStoreOptions { Compaction = null }, ct);
            var current = await store.GetCurrentRevisionAsync(ct);
            Assert.True(current >= acknowledged.HighestRevision, $"current revision {current} is below an acknowledged {acknowledged.HighestRevision}");
            foreach (var (key, revision) in acknowledged.Creates)
            {
                var stored = await store.GetAsync(key, ct);
                Assert.True(stored is not null, $"acknowledged create of {key} at {revision} was lost");
                Assert.Equal(revision, stored.CreateRevision);
            }

            foreach (var (key, (revision, value)) in acknowledged.LatestUpdates)
            {
                var stored = (await store.GetAsync(key, ct))!;
                Assert.True(stored.ModRevision >= revision, $"acknowledged update of {key} at {revision} was lost");
                var storedValue = int.Parse(Encoding.UTF8.GetString(stored.Value.Span), CultureInfo.InvariantCulture);
                Assert.True(storedValue >= value, $"{key} holds {storedValue}, an acknowledged update wrote {value}");
            }

            var all = await store.ListAsync("/crash/", ListOptions.All, ct);
            Assert.Equal(all.Items.Count, all.Items.Select(i => i.ModRevision).Distinct().Count());
            Assert.Equal(current + 1, (await store.CreateAsync($"/after/run{run}", Encoding.UTF8.GetBytes("x"), ct)).ModRevision);
        }
    }

    /// <summary>Starts the writer, waits for enough acknowledgements, SIGKILLs it; returns the revision it started at.</summary>
    private async Task<long> RunAndKillAsync(string run, Acknowledgements acknowledged, CancellationToken ct)
    {
        var writerDll = Path.Combine(AppContext.BaseDirectory, "Skiff.Storage.CrashWriter.dll");
        var start = new ProcessStartInfo(Environment.GetEnvironmentVariable("DOTNET_HOST_PATH") ?? "dotnet")
        {
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
        };
        foreach (var argument in new[] { writerDll, DatabasePath, Writers.ToString(CultureInfo.InvariantCulture), run })
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start) ?? throw new InvalidOperationException("cannot start the crash writer");
        var stderr = process.StandardError.ReadToEndAsync(ct);
        long startRevision = -1;
        var count = 0;
        try
        {
            while (count < AcknowledgementsBeforeKill)
            {
                var line = await process.StandardOutput.ReadLineAsync(ct)
                    ?? throw new InvalidOperationException($"the crash writer exited early: {await stderr}");
                if (line.StartsWith("ready ", StringComparison.Ordinal))
                {
                    startRevision = long.Parse(line.AsSpan(6), CultureInfo.InvariantCulture);
                }
                else
                {
                    acknowledged.Add(line);
                    count++;
                }
            }
        }
        finally
        {
            process.Kill(); // SIGKILL on Unix: no chance to flush or close anything
            await process.WaitForExitAsync(ct);
        }

        // Lines written before the kill were acknowledged too.
        while (await process.StandardOutput.ReadLineAsync(ct) is { } line)
        {
            if (line.Length > 0)
            {
                acknowledged.Add(line);
            }
        }

        Assert.Equal(137, process.ExitCode);
        return startRevision;
    }

    private sealed class Acknowledgements
    {
        public Dictionary<string, long> Creates { get; } = new(StringComparer.Ordinal);

        public Dictionary<string, (long Revision, int Value)> LatestUpdates { get; } = new(StringComparer.Ordinal);

        public long HighestRevision { get; private set; }

        public long PreviousRunsHighestRevision { get; private set; }

        public void Add(string line)
        {
            var parts = line.Split(' ');
            var revision = long.Parse(parts[2], CultureInfo.InvariantCulture);
            HighestRevision = Math.Max(HighestRevision, revision);
            if (parts[0] == "create")
            {
                Creates.Add(parts[1], revision);
            }
            else
            {
                Assert.Equal("update", parts[0]);
                var value = int.Parse(parts[3], CultureInfo.InvariantCulture);
                if (!LatestUpdates.TryGetValue(parts[1], out var seen) || seen.Revision < revision)
                {
                    LatestUpdates[parts[1]] = (revision, value);
                }
            }
        }

        public void EndRun() => PreviousRunsHighestRevision = HighestRevision;
    }
}
