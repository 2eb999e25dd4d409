namespace Skiff.Client.Api;

/// <summary>The query of a list request (all empty: every object at the latest revision).</summary>
public sealed record ListOptions
{
    /// <summary>Null for all namespaces (or a cluster-scoped kind).</summary>
    public string? Namespace { get; init; }

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>Empty for a consistent read at the latest revision; "0" for whatever the server's cache holds.</summary>
    public string? ResourceVersion { get; init; }

    /// <summary>Page size; 0 for no limit.</summary>
    public int Limit { get; init; }

    public string? Continue { get; init; }

    /// <summary>Skip <c>metadata.managedFields</c> while decoding (informers do not need them).</summary>
    public bool DropManagedFields { get; init; }
}

/// <summary>The query of a watch request.</summary>
public sealed record WatchOptions
{
    public string? Namespace { get; init; }

    public string? LabelSelector { get; init; }

    public string? FieldSelector { get; init; }

    /// <summary>Events after this revision (exclusive), usually a list's resourceVersion.</summary>
    public string? ResourceVersion { get; init; }

    public bool AllowBookmarks { get; init; } = true;

    /// <summary>The server ends the watch after this long (it then resumes from the last revision seen).</summary>
    public int TimeoutSeconds { get; init; } = 300;

    /// <summary>Skip <c>metadata.managedFields</c> while decoding (informers do not need them).</summary>
    public bool DropManagedFields { get; init; }
}
