namespace Skiff.Cli.Api;

/// <summary>One resource the server serves, as discovery describes it.</summary>
public sealed record ApiResource(
    string Group,
    string Version,
    string Name,
    string SingularName,
    string Kind,
    bool Namespaced,
    IReadOnlyList<string> Verbs,
    IReadOnlyList<string> ShortNames,
    IReadOnlyList<string> Categories)
{
    public string GroupVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    /// <summary><c>pods</c> or <c>deployments.apps</c>: how errors name the resource.</summary>
    public string QualifiedName => Group.Length == 0 ? Name : $"{Name}.{Group}";

    /// <summary><c>pod</c> or <c>deployment.apps</c>: the prefix of <c>-o name</c> and multi-kind tables.</summary>
    public string KindPrefix => Group.Length == 0 ? Kind.ToLowerInvariant() : $"{Kind.ToLowerInvariant()}.{Group}";

    /// <summary>The collection path, e.g. <c>/api/v1/namespaces/default/pods</c> or <c>/apis/apps/v1/deployments</c>.</summary>
    public string CollectionPath(string? ns)
    {
        var prefix = Group.Length == 0 ? $"/api/{Version}" : $"/apis/{Group}/{Version}";
        return Namespaced && ns is not null
            ? $"{prefix}/namespaces/{Uri.EscapeDataString(ns)}/{Name}"
            : $"{prefix}/{Name}";
    }

    public string ObjectPath(string? ns, string name) => $"{CollectionPath(ns)}/{Uri.EscapeDataString(name)}";
}
