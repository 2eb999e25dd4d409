using System.Globalization;

namespace Skiff.Bench.Streaming;

/// <summary>The command line: which cluster, how many exec runs, how large the download.</summary>
internal sealed record Arguments(string? DataDirectory, int Runs, int SizeMegabytes, string SkiffDll)
{
    public static Arguments Parse(string[] args)
    {
        string? dataDirectory = null;
        var runs = 50;
        var sizeMegabytes = 100;
        string? skiff = null;
        for (var i = 0; i + 1 < args.Length; i += 2)
        {
            switch (args[i])
            {
                case "--data-dir":
                    dataDirectory = args[i + 1];
                    break;
                case "--runs":
                    runs = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--size-mb":
                    sizeMegabytes = int.Parse(args[i + 1], CultureInfo.InvariantCulture);
                    break;
                case "--skiff":
                    skiff = args[i + 1];
                    break;
                default:
                    throw new ArgumentException($"unknown option {args[i]}");
            }
        }

        return new Arguments(dataDirectory, runs, sizeMegabytes, skiff ?? DefaultSkiffDll());
    }

    /// <summary>src/Skiff's Release build in the repository this benchmark was built from.</summary>
    private static string DefaultSkiffDll()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Skiff.slnx")))
            {
                return Path.Combine(dir.FullName, "src", "Skiff", "bin", "Release", "net10.0", "skiff.dll");
            }
        }

        throw new InvalidOperationException("Skiff.slnx not found above " + AppContext.BaseDirectory);
    }
}
