using System.Xml.Linq;

namespace Skiff.Architecture.Tests;

/// <summary>Reads the project files under <c>src/</c> of the repository this test was built from.</summary>
internal static class SolutionLayout
{
    private static readonly Lazy<string> RepositoryRoot = new(FindRoot);

    public static IEnumerable<string> SourceProjectNames() =>
        Directory.GetDirectories(Path.Combine(RepositoryRoot.Value, "src"))
            .Select(Path.GetFileName)
            .Where(name => name is not null && File.Exists(ProjectFile(name)))
            .Select(name => name!)
            .Order(StringComparer.Ordinal);

    public static IReadOnlySet<string> TransitiveReferences(string project)
    {
        var seen = new HashSet<string>(StringComparer.Ordinal);
        var pending = new Stack<string>(DirectReferences(project));
        while (pending.TryPop(out var next))
        {
            if (seen.Add(next))
            {
                foreach (var reference in DirectReferences(next))
                {
                    pending.Push(reference);
                }
            }
        }

        return seen;
    }

    public static IEnumerable<string> DirectReferences(string project) =>
        Items(project, "ProjectReference").Select(path => Path.GetFileNameWithoutExtension(path.Replace('\\', '/')));

    public static IEnumerable<string> PackageReferences(string project) => Items(project, "PackageReference");

    public static IEnumerable<string> FrameworkReferences(string project) => Items(project, "FrameworkReference");

    private static IEnumerable<string> Items(string project, string itemName) =>
        XDocument.Load(ProjectFile(project)).Descendants(itemName)
            .Select(element => (string?)element.Attribute("Include"))
            .Where(include => include is not null)
            .Select(include => include!);

    private static string ProjectFile(string name) => Path.Combine(RepositoryRoot.Value, "src", name, name + ".csproj");

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
