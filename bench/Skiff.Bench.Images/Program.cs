using System.Diagnostics;
using System.Globalization;
using System.Security.Cryptography;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Containerd;
using Skiff.Images;

namespace Skiff.Bench.Images;

/// <summary>
/// Import throughput: a ~200 MB OCI archive (one gzip layer of incompressible data) imported into a fresh
/// containerd by Skiff's importer (<c>skiff images import</c>'s code) and by <c>ctr images import</c> of the same file,
/// alternating, with the image removed and its content garbage-collected (<c>ctr images rm --sync</c>) between runs.
/// Usage: dotnet run -c Release --project bench/Skiff.Bench.Images -- [size-MB] [rounds]
/// </summary>
internal static class Program
{
    private const string Reference = "docker.io/skiff-bench/large:v1";

    public static async Task<int> Main(string[] args)
    {
        var sizeMb = args.Length > 0 ? int.Parse(args[0], CultureInfo.InvariantCulture) : 200;
        var rounds = args.Length > 1 ? int.Parse(args[1], CultureInfo.InvariantCulture) : 3;
        var work = Path.Combine("/tmp", "skiff-bench-images-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(work);
        var suffix = Random.Shared.Next(100, 250);
        await using var containerd = await ContainerdHost.StartAsync(
            new ContainerdOptions
            {
                StateDir = Path.Combine(work, "containerd"),
                BridgeName = "skbi" + suffix.ToString(CultureInfo.InvariantCulture),
                Subnet = $"10.231.{suffix.ToString(CultureInfo.InvariantCulture)}.0/24",
                StreamPort = FreeLoopbackPort(),
            },
            NullLogger.Instance,
            CancellationToken.None);
        try
        {
            var archive = Path.Combine(work, "large.oci.tar");
            var content = new byte[sizeMb * 1_000_000];
            RandomNumberGenerator.Fill(content);
            await OciArchiveWriter.WriteAsync(new Rootfs().File("data.bin", content), new ImageConfig { Cmd = ["/data.bin"] }, Reference, archive, CancellationToken.None);
            var megabytes = new FileInfo(archive).Length / 1_000_000.0;
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"archive: {megabytes:0.0} MB, {rounds} rounds, containerd {containerd.SocketPath}"));

            var store = new ContainerdImageStore("ctr", containerd.SocketPath, WellKnownImages.CriNamespace);
            var importer = new ImageImporter(store, TimeProvider.System);
            var skiff = new List<double>();
            var ctr = new List<double>();
            for (var round = 0; round < rounds; round++)
            {
                // Alternate who goes first so page-cache warmth does not favour one side.
                foreach (var skiffFirst in round % 2 == 0 ? new[] { true, false } : [false, true])
                {
                    var stopwatch = Stopwatch.StartNew();
                    if (skiffFirst)
                    {
                        await importer.ImportAsync(archive, new Progress<string>(), CancellationToken.None);
                        skiff.Add(stopwatch.Elapsed.TotalSeconds);
                    }
                    else
                    {
                        await RunAsync("ctr", ["-a", containerd.SocketPath, "-n", WellKnownImages.CriNamespace, "images", "import", archive]);
                        ctr.Add(stopwatch.Elapsed.TotalSeconds);
                    }

                    await RunAsync("ctr", ["-a", containerd.SocketPath, "-n", WellKnownImages.CriNamespace, "images", "rm", "--sync", Reference]);
                }
            }

            var skiffMedian = Median(skiff);
            var ctrMedian = Median(ctr);
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"skiff images import: median {skiffMedian:0.00} s, {megabytes / skiffMedian:0.0} MB/s  (runs: {string.Join(", ", skiff.Select(s => s.ToString("0.00", CultureInfo.InvariantCulture)))})"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ctr images import:   median {ctrMedian:0.00} s, {megabytes / ctrMedian:0.0} MB/s  (runs: {string.Join(", ", ctr.Select(s => s.ToString("0.00", CultureInfo.InvariantCulture)))})"));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"ratio skiff/ctr: {skiffMedian / ctrMedian:0.00}"));
            return 0;
        }
        finally
        {
            Directory.Delete(work, recursive: true);
        }
    }

    private static int FreeLoopbackPort()
    {
        using var listener = new System.Net.Sockets.TcpListener(System.Net.IPAddress.Loopback, 0);
        listener.Start();
        return ((System.Net.IPEndPoint)listener.LocalEndpoint).Port;
    }

    private static double Median(List<double> values)
    {
        var sorted = values.Order().ToList();
        return sorted.Count % 2 == 1 ? sorted[sorted.Count / 2] : (sorted[(sorted.Count / 2) - 1] + sorted[sorted.Count / 2]) / 2;
    }

    private static async Task RunAsync(string program, string[] arguments)
    {
        using var process = Process.Start(new ProcessStartInfo(program, arguments) { RedirectStandardError = true, RedirectStandardOutput = true })!;
        var stderr = process.StandardError.ReadToEndAsync();
        var stdout = process.StandardOutput.ReadToEndAsync();
        await process.WaitForExitAsync();
        if (process.ExitCode != 0)
        {
            throw new InvalidOperationException($"{program} {string.Join(' ', arguments)}: {await stderr}{await stdout}");
        }
    }
}
