using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;

namespace Skiff.Hosting;

/// <summary>Structured console logs: one line per event with timestamp, level and component.</summary>
internal static class Logging
{
    public static ILoggerFactory Create(bool verbose) =>
        LoggerFactory.Create(builder =>
        {
            builder.SetMinimumLevel(verbose ? LogLevel.Debug : LogLevel.Information);
            builder.AddFilter("Microsoft.AspNetCore", verbose ? LogLevel.Information : LogLevel.Warning);
            builder.AddFilter("Grpc", LogLevel.Warning);
            builder.AddSimpleConsole(options =>
            {
                options.SingleLine = true;
                options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
                options.UseUtcTimestamp = true;
                options.ColorBehavior = LoggerColorBehavior.Disabled;
            });
        });
}
