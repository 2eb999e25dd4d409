using System.Text;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.ApiServer.Audit;

namespace Skiff.ApiServer.Tests.Audit;

/// <summary>The log backend's rotation as lumberjack's: past --audit-log-maxsize the file is renamed with its UTC time
/// and a new one started; only --audit-log-maxbackup backups are kept.</summary>
public sealed class AuditLogWriterTests
{
    [Fact]
    public async Task The_log_rotates_past_its_size_and_keeps_the_backups_asked_for()
    {
        var dir = Directory.CreateTempSubdirectory("skiff-audit-rotate-").FullName;
        try
        {
            var time = new FakeTimeProvider(new DateTimeOffset(2026, 12, 5, 18, 0, 0, TimeSpan.Zero));
            var path = Path.Combine(dir, "audit.log");
            var line = Encoding.UTF8.GetBytes(new string('x', 300 * 1024) + "\n");
            var writer = new AuditLogWriter(new AuditOptions { PolicyFile = "unused", LogPath = path, MaxSizeMegabytes = 1, MaxBackups = 2 }, time, NullLogger.Instance);
            for (var i = 0; i < 16; i++)
            {
                writer.Enqueue(line);
                for (var deadline = DateTime.UtcNow.AddSeconds(10); writer.Written < i + 1 && DateTime.UtcNow < deadline;)
                {
                    await Task.Delay(10);
                }

                time.Advance(TimeSpan.FromSeconds(1));
            }

            await writer.DisposeAsync();
            var backups = Directory.GetFiles(dir, "audit-*.log").Select(Path.GetFileName).Order(StringComparer.Ordinal).ToList();
            Assert.Equal(2, backups.Count);
            Assert.All(backups, b => Assert.Matches(@"^audit-2026-12-05T18-00-\d\d\.000\.log$", b));
            Assert.True(new FileInfo(path).Length <= 1024 * 1024);
            Assert.All(backups, b => Assert.Equal(3 * line.Length, new FileInfo(Path.Combine(dir, b!)).Length));
            Assert.Equal(0, writer.Dropped);
        }
        finally
        {
            Directory.Delete(dir, recursive: true);
        }
    }
}
