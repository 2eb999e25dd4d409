using System.Buffers;
using System.IO.Pipelines;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Skiff.Apimachinery;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Tables;

namespace Skiff.ApiServer.Watch;

/// <summary>
/// Serves <c>?watch=true</c>: a chunked stream of <c>{"type":...,"object":...}</c> lines from the watch cache, with
/// resume from a resourceVersion, bookmarks, timeoutSeconds, Table/PartialObjectMetadata objects when asked, and a
/// 410 ERROR event when the asked resourceVersion is older than the cache's window.
/// </summary>
public sealed class WatchStreamer
{
    private static readonly TimeSpan BookmarkInterval = TimeSpan.FromSeconds(30);
    private readonly GenericRegistry _registry;
    private readonly TimeProvider _time;

    public WatchStreamer(GenericRegistry registry, TimeProvider time)
    {
        _registry = registry;
        _time = time;
    }

    public sealed record Options(Negotiated Shape, IncludeObject Include, bool Bookmarks, TimeSpan Timeout, bool SendInitialEvents);

    public async Task StreamAsync(HttpContext ctx, ResourceDefinition def, string? ns, ListRequest request, Options options)
    {
        var ct = ctx.RequestAborted;
        var matches = _registry.Matcher(def, ns, request);
        var rv = GenericRegistry.ParseResourceVersion(request.ResourceVersion);
        long? after = rv is null or 0 || options.SendInitialEvents ? null : rv;
        var hub = _registry.Hub;
        if (after is not null && after > hub.Revision && !await hub.WaitForRevisionAsync(after.Value, TimeSpan.FromSeconds(3), ct))
        {
            throw StatusErrors.Timeout($"Too large resource version: {after}, current: {hub.Revision}");
        }

        if (options.SendInitialEvents && rv is > 0 && !await hub.WaitForRevisionAsync(rv.Value, TimeSpan.FromSeconds(3), ct))
        {
            throw StatusErrors.Timeout($"Too large resource version: {rv}, current: {hub.Revision}");
        }

        var cache = hub.For(def);
        var (initial, watcher, oldest) = cache.Watch(after, matches);
        ctx.Response.StatusCode = 200;
        ctx.Response.ContentType = options.Shape.ContentType;
        ctx.Response.Headers.CacheControl = "no-cache, private";
        await ctx.Response.StartAsync(ct);
        var body = ctx.Response.BodyWriter;

        if (watcher is null)
        {
            var status = StatusErrors.Status(410, "Expired", $"too old resource version: {after} ({oldest})");
            await body.WriteAsync(CacheEvent.Frame("ERROR", ModelJson.Serialize(status)), ct);
            await body.FlushAsync(ct);
            return;
        }

        // A stopping server ends its watches (kube-apiserver closes them on shutdown too): otherwise any client whose
        // watch outlives it (a remote kubelet, kubectl get -w) holds the host's shutdown for its full 30 s timeout.
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(ct, hub.Closing);
        timeout.CancelAfter(options.Timeout);
        var firstTable = true;
        try
        {
            var unflushed = 0L;
            foreach (var e in initial)
            {
                // The initial events go out in batches of ~64 KiB (a list of 30,000 pods is not held in the pipe whole).
                unflushed += Write(body, e, def, options, ref firstTable);
                if (unflushed >= FlushEvery)
                {
                    await body.FlushAsync(timeout.Token);
                    unflushed = 0;
                }
            }

            if (options.SendInitialEvents)
            {
                await body.WriteAsync(Bookmark(def, hub.Revision, initialEventsEnd: true), timeout.Token);
            }

            await body.FlushAsync(timeout.Token);
            var nextBookmark = _time.GetUtcNow() + BookmarkInterval;
            var reader = watcher.Events;
            while (true)
            {
                var wait = reader.WaitToReadAsync(timeout.Token).AsTask();
                if (options.Bookmarks)
                {
                    var delay = nextBookmark - _time.GetUtcNow();
                    var finished = await Task.WhenAny(wait, Task.Delay(delay > TimeSpan.Zero ? delay : TimeSpan.Zero, _time, timeout.Token));
                    if (finished != wait)
                    {
                        await body.WriteAsync(Bookmark(def, hub.Revision, initialEventsEnd: false), timeout.Token);
                        await body.FlushAsync(timeout.Token);
                        nextBookmark = _time.GetUtcNow() + BookmarkInterval;
                        continue;
                    }
                }

                if (!await wait)
                {
                    return; // cut off (too slow) or the cache was reset: the client re-watches
                }

                // What is queued goes out in one flush (one HTTP/2 DATA frame, one TLS record where it fits), not one
                // per event: a busy watch of pods carries several events per wake-up.
                var pending = 0L;
                while (reader.TryRead(out var e))
                {
                    pending += Write(body, e, def, options, ref firstTable);
                    if (pending >= FlushEvery)
                    {
                        await body.FlushAsync(timeout.Token);
                        pending = 0;
                    }
                }

                await body.FlushAsync(timeout.Token);
            }
        }
        catch (OperationCanceledException)
        {
            // timeoutSeconds elapsed or the client went away: the stream just ends.
        }
        finally
        {
            cache.Unsubscribe(watcher);
        }
    }

    private const int FlushEvery = 64 * 1024;

    /// <summary>Writes the event's watch line into <paramref name="body"/> (unflushed) and returns its length.</summary>
    private int Write(PipeWriter body, CacheEvent e, ResourceDefinition def, Options options, ref bool firstTable)
    {
        if (!ReferenceEquals(e.Object.Definition, def) && def.StorageConversion is not null)
        {
            e = new CacheEvent(e.Type, ObjectDecoder.Present(def, e.Object), null, e.Revision);
        }

        if (options.Shape.Shape is not (ResponseShape.Table or ResponseShape.PartialObjectMetadata))
        {
            // The object's served JSON as it is, between the frame's head and tail: no frame is copied together, and
            // none is kept with the event in the cache's window.
            return CacheEvent.WriteFrame(body, e.Type, e.Object.Json);
        }

        var frame = Encode(e, def, options, ref firstTable);
        body.Write(frame);
        return frame.Length;
    }

    private byte[] Encode(CacheEvent e, ResourceDefinition def, Options options, ref bool firstTable)
    {
        switch (options.Shape.Shape)
        {
            case ResponseShape.Table:
                using (var buffer = new MemoryStream())
                {
                    using (var w = new Utf8JsonWriter(buffer))
                    {
                        TableWriter.Write(w, def, options.Shape.Version, [e.Object], e.Object.ModRevision, null, null, options.Include, firstTable, _time.GetUtcNow());
                    }

                    firstTable = false;
                    return CacheEvent.Frame(e.TypeName, buffer.ToArray());
                }

            case ResponseShape.PartialObjectMetadata:
                using (var buffer = new MemoryStream())
                {
                    using (var w = new Utf8JsonWriter(buffer))
                    {
                        TableWriter.WritePartial(w, e.Object, options.Shape.Version);
                    }

                    return CacheEvent.Frame(e.TypeName, buffer.ToArray());
                }

            default:
                return CacheEvent.Frame(e.TypeName, e.Object.Json);
        }
    }

    private static byte[] Bookmark(ResourceDefinition def, long revision, bool initialEventsEnd)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("kind", def.Kind);
            w.WriteString("apiVersion", def.ApiVersion);
            w.WriteStartObject("metadata");
            w.WriteString("resourceVersion", revision.ToString(System.Globalization.CultureInfo.InvariantCulture));
            if (initialEventsEnd)
            {
                w.WriteStartObject("annotations");
                w.WriteString("k8s.io/initial-events-end", "true");
                w.WriteEndObject();
            }

            w.WriteEndObject();
            w.WriteEndObject();
        }

        return CacheEvent.Frame("BOOKMARK", buffer.ToArray());
    }
}
