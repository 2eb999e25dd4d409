using System.Globalization;

namespace Skiff.Bench.PodStartup;

/// <summary>Command-line options; the defaults are this bench's own bridge, subnet and image cache.</summary>
internal sealed record BenchOptions
{
    public IReadOnlyList<int> PodCounts { get; init; } = [50, 200];

    public int SequentialPods { get; init; } = 20;

    public string Bridge { get; init; } = "skiffpb0";

    public string PodCidr { get; init; } = "10.88.236.0/24";

    public int StreamPort { get; init; } = 10236;

    public string NodeName { get; init; } = "podbench-node";

    public string SkiffDll { get; init; } = DefaultSkiffDll();

    /// <summary>Built pause/busybox/nginx archives, reused across runs.</summary>
    public string ImageCache { get; init; } = Path.Combine(Path.GetTempPath(), "skiff-podbench-images");

    public bool KeepWorkDir { get; init; }

    /// <summary>Rounds of the pull-vs-present comparison (one pod each way per round) after the burst rounds.</summary>
    public int PullRounds { get; init; }

    public static BenchOptions Parse(string[] args)
    {
        var options = new BenchOptions();
        for (var i = 0; i < args.Length; i++)
        {
            string Next() => i + 1 < args.Length ? args[++i] : throw new ArgumentException($"{args[i]} needs a value");
            options = args[i] switch
            {
                "--pods" => options with { PodCounts = Next().Split(',', StringSplitOptions.RemoveEmptyEntries).Select(n => int.Parse(n, CultureInfo.InvariantCulture)).Where(n => n > 0).ToList() },
                "--pull-rounds" => options with { PullRounds = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--sequential" => options with { SequentialPods = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--bridge" => options with { Bridge = Next() },
                "--pod-cidr" => options with { PodCidr = Next() },
                "--stream-port" => options with { StreamPort = int.Parse(Next(), CultureInfo.InvariantCulture) },
                "--skiff-dll" => options with { SkiffDll = Path.GetFullPath(Next()) },
                "--image-cache" => options with { ImageCache = Path.GetFullPath(Next()) },
                "--keep" => options with { KeepWorkDir = true },
                _ => throw new ArgumentException($"unknown argument {args[i]}"),
            };
        }

        return options;
    }

    /// <summary>src/Skiff's Release build in the repository this bench was built from.</summary>
    private static string DefaultSkiffDll()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Skiff.slnx")))
            {
                return Path.Combine(dir.FullName, "src", "Skiff", "bin", "Release", "net10.0", "skiff.dll");
            }
        }

        return "skiff.dll";
    }
}
