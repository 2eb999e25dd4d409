namespace Skiff.Architecture.Tests;

/// <summary>
/// Keeps the picture of DESIGN.md true: every project references only what <see cref="AllowedReferences"/> lists
/// for it; the API machinery knows nothing of HTTP or storage; storage knows nothing of resources; the kubelet,
/// scheduler, controllers and CLI are API clients and never reach the API server or storage, not even transitively.
/// </summary>
public sealed class DependencyDirectionTests
{
    private static readonly string[] ServerSide = ["Skiff.ApiServer", "Skiff.Storage", "Skiff.Apimachinery"];

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
    public void Project_has_an_entry_in_the_allow_list(string project)
    {
        Assert.True(AllowedReferences.Table.ContainsKey(project), $"{project} has no entry in AllowedReferences: say what it may reference");
    }

    [Theory]
    [MemberData(nameof(SourceProjects))]
    public void Project_references_only_what_the_allow_list_says(string project)
    {
        var violations = SolutionLayout.DirectReferences(project).Where(reference => !AllowedReferences.IsAllowed(project, reference)).ToList();
        Assert.True(violations.Count == 0, $"{project} must not reference {string.Join(", ", violations)}");
    }

    [Theory]
    [MemberData(nameof(SourceProjects))]
    public void Api_clients_never_reach_the_server_side(string project)
    {
        if (!AllowedReferences.Table.TryGetValue(project, out var allowed) || !allowed.Contains("Skiff.Client") && project != "Skiff.Client")
        {
            return;
        }

        var reached = SolutionLayout.TransitiveReferences(project).Where(r => ServerSide.Any(s => r.StartsWith(s, StringComparison.Ordinal))).ToList();
        Assert.True(reached.Count == 0, $"{project} is an API client but reaches {string.Join(", ", reached)}");
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
    public void Apimachinery_and_the_client_layer_know_nothing_of_http_servers()
    {
        Assert.DoesNotContain("Microsoft.AspNetCore.App", SolutionLayout.FrameworkReferences("Skiff.Apimachinery"));
        Assert.DoesNotContain("Microsoft.AspNetCore.App", SolutionLayout.FrameworkReferences("Skiff.Api"));
        Assert.DoesNotContain("Microsoft.AspNetCore.App", SolutionLayout.FrameworkReferences("Skiff.Client"));
    }

    [Fact]
    public void The_rule_refuses_what_is_not_listed()
    {
        // The check itself must be able to fail: made-up references are refused.
        Assert.False(AllowedReferences.IsAllowed("Skiff.Kubelet", "Skiff.Storage"));
        Assert.False(AllowedReferences.IsAllowed("Skiff.Kubelet", "Skiff.ApiServer"));
        Assert.False(AllowedReferences.IsAllowed("Skiff.Kubelet", "Skiff.Containerd"));
        Assert.False(AllowedReferences.IsAllowed("Skiff.Apimachinery", "Skiff.Storage"));
        Assert.False(AllowedReferences.IsAllowed("Skiff.Api", "Skiff.Client"));
        Assert.False(AllowedReferences.IsAllowed("Skiff.NewThing", "Skiff.Api"));
        Assert.False(AllowedReferences.IsAllowed("Skiff.ApiServer", "Skiff"));
        Assert.True(AllowedReferences.IsAllowed("Skiff", "Skiff.Storage"));
        Assert.True(AllowedReferences.IsAllowed("Skiff.Scheduler", "Skiff.Client"));
    }
}
