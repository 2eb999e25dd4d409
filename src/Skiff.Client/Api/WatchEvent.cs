namespace Skiff.Client.Api;

public enum WatchEventKind
{
    Added,
    Modified,
    Deleted,

    /// <summary>Only a newer resourceVersion (in <see cref="WatchEvent{T}.ResourceVersion"/>): nothing changed.</summary>
    Bookmark,
}

/// <summary>One event of a watch stream. For bookmarks <see cref="Object"/> is null.</summary>
public sealed record WatchEvent<T>(WatchEventKind Kind, T? Object, string ResourceVersion)
    where T : class;
