namespace Skiff.Architecture.Tests;

/// <summary>
/// The picture of DESIGN.md as an allow-list: every project under <c>src/</c> declares the projects it may reference
/// directly; anything else is refused, and a new project without an entry fails until it is given one. Only the
/// <c>skiff</c> composition root may reference everything.
/// </summary>
internal static class AllowedReferences
{
    public const string Anything = "*";

    public static IReadOnlyDictionary<string, string[]> Table { get; } = new Dictionary<string, string[]>(StringComparer.Ordinal)
    {
        // Leaves: no project references.
        ["Skiff.Api"] = [],              // client-safe: selectors, QoS, the models' JSON
        ["Skiff.Storage"] = [],          // bytes and revisions, nothing of resources
        ["Skiff.Cri"] = [],
        ["Skiff.Images"] = [],
        ["Skiff.Streaming"] = [],

        // Server side.
        ["Skiff.Storage.Sqlite"] = ["Skiff.Storage"],
        ["Skiff.Storage.Etcd"] = ["Skiff.Storage"],
        ["Skiff.Apimachinery"] = ["Skiff.Api"],
        ["Skiff.ApiServer"] = ["Skiff.Api", "Skiff.Apimachinery", "Skiff.Storage", "Skiff.Streaming"],

        // Clients of the API: through Skiff.Client only, never the server or storage.
        ["Skiff.Client"] = ["Skiff.Api"],
        ["Skiff.Cli"] = ["Skiff.Api", "Skiff.Client"],
        ["Skiff.Kubelet"] = ["Skiff.Api", "Skiff.Client", "Skiff.Cri", "Skiff.Streaming"],
        ["Skiff.Scheduler"] = ["Skiff.Api", "Skiff.Client"],
        ["Skiff.Controllers"] = ["Skiff.Api", "Skiff.Client"],
        ["Skiff.Networking"] = ["Skiff.Api", "Skiff.Client"],
        ["Skiff.Simulation"] = ["Skiff.Api", "Skiff.Client"],

        // The node's runtime.
        ["Skiff.Containerd"] = ["Skiff.Cri", "Skiff.Images"],

        // A second, smaller composition root: cluster DNS alone, compiled ahead of time (skiff-dns).
        ["Skiff.Dns"] = ["Skiff.Networking"],

        // The composition root wires everything.
        ["Skiff"] = [Anything],
    };

    public static bool IsAllowed(string project, string reference) =>
        reference != "Skiff" // nothing depends on the composition root
        && Table.TryGetValue(project, out var allowed)
        && (allowed.Contains(Anything) || allowed.Contains(reference));
}
