using System.Text;

namespace Skiff.ApiServer.Watch;

public enum CacheEventType
{
    Added,
    Modified,
    Deleted,
}

/// <summary>A change as the watch cache saw it: the new object (for a delete, the last state stamped with the delete's
/// revision) and the object before the change (null for a create).</summary>
public sealed class CacheEvent
{
    private byte[]? _jsonFrame;

    public CacheEvent(CacheEventType type, CachedObject obj, CachedObject? previous, long revision)
    {
        Type = type;
        Object = obj;
        Previous = previous;
        Revision = revision;
    }

    public CacheEventType Type { get; }

    public CachedObject Object { get; }

    public CachedObject? Previous { get; }

    public long Revision { get; }

    public string TypeName => Type switch
    {
        CacheEventType.Added => "ADDED",
        CacheEventType.Modified => "MODIFIED",
        _ => "DELETED",
    };

    /// <summary>The full watch line <c>{"type":...,"object":...}\n</c>, rendered once and shared by every watcher.</summary>
    public byte[] JsonFrame => _jsonFrame ??= Frame(TypeName, Object.Json);

    public static byte[] Frame(string type, ReadOnlySpan<byte> objectJson)
    {
        var head = Encoding.UTF8.GetBytes("{\"type\":\"" + type + "\",\"object\":");
        var frame = new byte[head.Length + objectJson.Length + 2];
        head.CopyTo(frame, 0);
        objectJson.CopyTo(frame.AsSpan(head.Length));
        frame[^2] = (byte)'}';
        frame[^1] = (byte)'\n';
        return frame;
    }
}
