using System.Buffers;
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

    /// <summary>Writes the watch line <c>{"type":...,"object":...}\n</c> of an event of <paramref name="type"/> into
    /// <paramref name="writer"/>; returns its length.</summary>
    public static int WriteFrame(IBufferWriter<byte> writer, CacheEventType type, ReadOnlySpan<byte> objectJson)
    {
        ArgumentNullException.ThrowIfNull(writer);
        var head = type switch
        {
            CacheEventType.Added => "{\"type\":\"ADDED\",\"object\":"u8,
            CacheEventType.Modified => "{\"type\":\"MODIFIED\",\"object\":"u8,
            _ => "{\"type\":\"DELETED\",\"object\":"u8,
        };
        writer.Write(head);
        writer.Write(objectJson);
        writer.Write("}\n"u8);
        return head.Length + objectJson.Length + 2;
    }

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
