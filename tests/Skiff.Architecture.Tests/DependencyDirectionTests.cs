namespace Skiff.Architecture.Tests;

/// <summary>
/// Keeps the picture of DESIGN.md true: dependencies point one way. The API machinery knows nothing of HTTP or
/// storage; storage knows nothing of resources; the kubelet, scheduler, controllers and CLI are API clients and never
/// reference the API server or storage; only the <c>skiff</c> composition root wires everything.
/// </summary>
public sealed class DependencyDirectionTests
{
    private static readonly string[] ApiClients =
        ["Skiff.Kubelet", "Skiff.Scheduler", "Skiff.Controllers", "Skiff.Cli", "Skiff.Containerd", "Skiff.Cri", "Skiff.Images"];

    private static readonly string[] ServerSide = ["Skiff.ApiServer", "Skiff.Storage"];

    public static TheoryData<string> SourceProjects()
    {
        var data = new TheoryData<string>();
        foreach (var name in SolutionLayout.SourceProjectNames())
        {
            data.Add(name);
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(SourceProjects))]
    public void Project_only_depends_in_the_allowed_direction(string project)
    {
        var closure = SolutionLayout.TransitiveReferences(project);
        var violations = closure.Where(reference => !IsAllowed(project, reference)).ToList();
        Assert.True(violations.Count == 0, $"{project} must not reference {string.Join(", ", violations)}");
    }

    [Fact]
    public void Storage_knows_nothing_of_resources_or_http()
    {
        foreach (var project in SolutionLayout.SourceProjectNames().Where(p => p.StartsWith("Skiff.Storage", StringComparison.Ordinal)))
        {
            Assert.DoesNotContain("Microsoft.AspNetCore.App", SolutionLayout.FrameworkReferences(project));
            Assert.DoesNotContain("KubernetesClient", SolutionLayout.PackageReferences(project));
        }
    }

    [Fact]
    public void Apimachinery_knows_nothing_of_http()
    {
        Assert.DoesNotContain("Microsoft.AspNetCore.App", SolutionLayout.FrameworkReferences("Skiff.Apimachinery"));
    }

    [Fact]
    public void The_rule_catches_a_kubelet_that_references_storage()
    {
        // The check itself must be able to fail: a made-up reference from the kubelet to storage is refused.
        Assert.False(IsAllowed("Skiff.Kubelet", "Skiff.Storage"));
        Assert.False(IsAllowed("Skiff.Kubelet", "Skiff.Storage.Sqlite"));
        Assert.False(IsAllowed("Skiff.Apimachinery", "Skiff.Storage"));
        Assert.True(IsAllowed("Skiff", "Skiff.Storage"));
    }

    internal static bool IsAllowed(string project, string reference)
    {
        if (reference == "Skiff")
        {
            return false; // nothing depends on the composition root
        }

        if (project == "Skiff" || project.StartsWith("Skiff.Testing", StringComparison.Ordinal))
        {
            return true;
        }

        if (project.StartsWith("Skiff.Storage", StringComparison.Ordinal))
        {
            return reference.StartsWith("Skiff.Storage", StringComparison.Ordinal);
        }

        if (project == "Skiff.Apimachinery")
        {
            return false;
        }

        if (ApiClients.Any(c => project.StartsWith(c, StringComparison.Ordinal)))
        {
            return !ServerSide.Any(s => reference.StartsWith(s, StringComparison.Ordinal));
        }

        return true;
    }
}
