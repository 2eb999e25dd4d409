using System.Text.Json;

namespace Skiff.Client.Api;

/// <summary>
/// One decode of a watched object version for every watch of one process. <c>skiff server</c> runs the scheduler,
/// the controller manager and often simulated nodes side by side, each a client of its own (its own identity, its own
/// informers), so every pod change reached the process three times as the same bytes and was decoded three times
/// into three equal objects, each kept by its informer. A kind enabled here is decoded once per (resource,
/// uid, resourceVersion): the watches that see it next take the object already decoded, so their caches hold one
/// instance. That is safe because a watch event's object is never changed by its readers (informer caches hand out
/// shared objects; the rule is the same as within one informer) and an object version's content is fixed by its uid
/// and resourceVersion. A process enables the kinds whose readers keep that rule (the composition root decides);
/// nothing is shared otherwise.
/// </summary>
public static class SharedDecoding
{
    // Recent versions only: a watch that lags the first reader of an event by more than this many decodes of the
    // kind decodes it again, as before. Holding them keeps at most this many superseded versions alive.
    private const int Capacity = 4096;

    private static readonly Lock Gate = new();
    private static readonly Dictionary<Key, object> Recent = new();
    private static readonly Queue<Key> Order = new();
    private static volatile HashSet<Type> s_kinds = [];

    /// <summary>Decode objects of <typeparamref name="T"/> once for every watch of this process.</summary>
    public static void Enable<T>()
    {
        lock (Gate)
        {
            s_kinds = [.. s_kinds, typeof(T)];
        }
    }

    internal static bool IsEnabled(Type type) => s_kinds.Contains(type);

    /// <summary>The object at <paramref name="reader"/> (positioned on its start), decoded or taken from another
    /// watch's decode of the same version; the reader ends past the object either way.</summary>
    internal static T? Decode<T>(ref Utf8JsonReader reader, ApiResource resource, bool dropManagedFields, JsonSerializerOptions options)
        where T : class
    {
        if (!Identity(reader, out var uid, out var resourceVersion))
        {
            return JsonSerializer.Deserialize<T>(ref reader, options);
        }

        var key = new Key(typeof(T), resource, dropManagedFields, uid, resourceVersion);
        lock (Gate)
        {
            if (Recent.TryGetValue(key, out var seen))
            {
                reader.Skip();
                return (T)seen;
            }
        }

        var decoded = JsonSerializer.Deserialize<T>(ref reader, options);
        if (decoded is not null)
        {
            lock (Gate)
            {
                if (Recent.TryAdd(key, decoded))
                {
                    Order.Enqueue(key);
                    if (Order.Count > Capacity)
                    {
                        Recent.Remove(Order.Dequeue());
                    }
                }
            }
        }

        return decoded;
    }

    // The object's metadata.uid and metadata.resourceVersion, read ahead on a copy of the reader (metadata comes
    // first in what the API server writes, so this reads little). False when either is missing.
    private static bool Identity(Utf8JsonReader probe, out string uid, out string resourceVersion)
    {
        uid = string.Empty;
        resourceVersion = string.Empty;
        if (probe.TokenType != JsonTokenType.StartObject)
        {
            return false;
        }

        var depth = probe.CurrentDepth;
        while (probe.Read() && probe.TokenType == JsonTokenType.PropertyName && probe.CurrentDepth == depth + 1)
        {
            if (!probe.ValueTextEquals("metadata"u8))
            {
                probe.Read();
                probe.Skip();
                continue;
            }

            if (!probe.Read() || probe.TokenType != JsonTokenType.StartObject)
            {
                return false;
            }

            while (probe.Read() && probe.TokenType == JsonTokenType.PropertyName)
            {
                var isUid = probe.ValueTextEquals("uid"u8);
                var isVersion = !isUid && probe.ValueTextEquals("resourceVersion"u8);
                probe.Read();
                if ((isUid || isVersion) && probe.TokenType == JsonTokenType.String)
                {
                    if (isUid)
                    {
                        uid = probe.GetString()!;
                    }
                    else
                    {
                        resourceVersion = probe.GetString()!;
                    }

                    if (uid.Length > 0 && resourceVersion.Length > 0)
                    {
                        return true;
                    }
                }
                else
                {
                    probe.Skip();
                }
            }

            return false;
        }

        return false;
    }

    private readonly record struct Key(Type Type, ApiResource Resource, bool DropManagedFields, string Uid, string ResourceVersion);
}
