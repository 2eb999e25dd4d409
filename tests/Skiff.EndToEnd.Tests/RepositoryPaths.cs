namespace Skiff.EndToEnd.Tests;

/// <summary>Finds the repository, the built skiff binary and the shared acceptance scripts beside the clone.</summary>
internal static class RepositoryPaths
{
    public static string Root { get; } = FindRoot();

    /// <summary>src/Skiff's output for the configuration this test was built in (Debug or Release).</summary>
    public static string SkiffDll
    {
        get
        {
            // The test runs from tests/Skiff.EndToEnd.Tests/bin/<Configuration>/net10.0/.
            var configuration = Path.GetFileName(Path.GetDirectoryName(AppContext.BaseDirectory.TrimEnd(Path.DirectorySeparatorChar)))!;
            var path = Path.Combine(Root, "src", "Skiff", "bin", configuration, "net10.0", "skiff.dll");
            return File.Exists(path) ? path : throw new FileNotFoundException("skiff.dll was not built", path);
        }
    }

    /// <summary>The NativeAOT cluster DNS binary that <c>scripts/build-skiff-dns.sh</c> (run by the test script) makes;
    /// null when it was not built.</summary>
    public static string? SkiffDnsBinary
    {
        get
        {
            var path = Path.Combine(Root, ".skiff", "dns", "skiff-dns");
            return File.Exists(path) ? path : null;
        }
    }

    /// <summary><c>shared/acceptance/seed-walkthrough.sh</c>: CI puts <c>shared/</c> beside the clone.</summary>
    public static string? SeedWalkthrough
    {
        get
        {
            var path = Path.GetFullPath(Path.Combine(Root, "..", "shared", "acceptance", "seed-walkthrough.sh"));
            return File.Exists(path) ? path : null;
        }
    }

    private static string FindRoot()
    {
        for (var dir = new DirectoryInfo(AppContext.BaseDirectory); dir is not null; dir = dir.Parent)
        {
            if (File.Exists(Path.Combine(dir.FullName, "Skiff.slnx")))
            {
                return dir.FullName;
            }
        }

        throw new InvalidOperationException("Skiff.slnx not found above " + AppContext.BaseDirectory);
    }
}
