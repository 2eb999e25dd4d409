namespace Skiff.Apimachinery;

/// <summary>
/// One served resource: what discovery announces, where it lives in storage, and the strategy that knows its rules.
/// The API server is driven by a table of these (<see cref="ResourceCatalog"/>); it has no per-kind code of its own.
/// </summary>
public sealed record ResourceDefinition
{
    /// <summary>API group; empty for the core group.</summary>
    public required string Group { get; init; }

    public required string Version { get; init; }

    public required string Kind { get; init; }

    /// <summary>Lower-case plural used in URLs, e.g. <c>pods</c>.</summary>
    public required string Plural { get; init; }

    /// <summary>Lower-case singular, e.g. <c>pod</c>.</summary>
    public required string Singular { get; init; }

    public IReadOnlyList<string> ShortNames { get; init; } = [];

    public IReadOnlyList<string> Categories { get; init; } = [];

    public required bool Namespaced { get; init; }

    /// <summary>Verbs as discovery lists them: create, delete, deletecollection, get, list, patch, update, watch.</summary>
    public IReadOnlyList<string> Verbs { get; init; } = StandardVerbs;

    /// <summary>Subresources served besides the main resource, e.g. <c>status</c>, <c>binding</c>, <c>scale</c>.</summary>
    public IReadOnlyList<SubresourceDefinition> Subresources { get; init; } = [];

    /// <summary>The <c>KubernetesClient</c> model type, e.g. <c>typeof(V1Pod)</c>.</summary>
    public required Type ModelType { get; init; }

    /// <summary>The model type of the list, e.g. <c>typeof(V1PodList)</c>.</summary>
    public required Type ListModelType { get; init; }

    /// <summary>
    /// Whether a delete that removes the object at once answers with the object (upstream's
    /// <c>ReturnDeletedObject</c>: pods, services, service accounts) rather than a <c>Status</c> of kind Success naming
    /// it. A delete that only marks the object (grace period, finalizers) answers with the object for every kind.
    /// </summary>
    public bool ReturnsDeletedObject { get; init; }

    /// <summary>The kind's rules: defaulting, validation, update rules, printer columns, selectable fields.</summary>
    public required IResourceStrategy Strategy { get; init; }

    /// <summary><c>v1</c> for core, <c>apps/v1</c> otherwise.</summary>
    public string ApiVersion => Group.Length == 0 ? Version : $"{Group}/{Version}";

    public string ListKind => Kind + "List";

    /// <summary>The storage key prefix for all objects of this resource, e.g. <c>/registry/pods/</c>.</summary>
    /// <remarks>Like Kubernetes, core resources live at <c>/registry/{plural}</c> and others at
    /// <c>/registry/{group}/{plural}</c>, except a few historic exceptions the catalog sets explicitly.</remarks>
    public string StoragePrefix { get; init; } = string.Empty;

    /// <summary>Set when objects are stored in another version's shape (events.k8s.io Events are stored as core/v1
    /// Events); null when the served model is stored as is.</summary>
    public IStorageConversion? StorageConversion { get; init; }

    /// <summary>
    /// False for the review kinds (SubjectAccessReview, TokenReview, SelfSubjectReview...): a create is answered with
    /// the verdict in <c>status</c> and nothing is stored, so such a resource has no storage prefix and no watch cache.
    /// </summary>
    public bool Stored { get; init; } = true;

    public static IReadOnlyList<string> StandardVerbs { get; } =
        ["create", "delete", "deletecollection", "get", "list", "patch", "update", "watch"];

    /// <summary>The storage key of one object.</summary>
    public string StorageKey(string? ns, string name) =>
        Namespaced ? $"{StoragePrefix}{ns}/{name}" : $"{StoragePrefix}{name}";

    /// <summary>The storage prefix of one namespace (or all objects when <paramref name="ns"/> is null).</summary>
    public string StoragePrefixFor(string? ns) =>
        Namespaced && !string.IsNullOrEmpty(ns) ? $"{StoragePrefix}{ns}/" : StoragePrefix;
}

/// <summary>A subresource such as <c>pods/status</c>.</summary>
/// <param name="Name">e.g. <c>status</c>.</param>
/// <param name="Kind">The kind it accepts and returns (e.g. <c>Pod</c>, <c>Scale</c>, <c>Binding</c>).</param>
/// <param name="Verbs">e.g. get, patch, update.</param>
/// <param name="Group">The group of <paramref name="Kind"/> when it differs from the parent's (e.g. <c>autoscaling</c> for Scale).</param>
/// <param name="Version">The version of <paramref name="Kind"/> when it differs.</param>
public sealed record SubresourceDefinition(string Name, string Kind, IReadOnlyList<string> Verbs, string? Group = null, string? Version = null);
