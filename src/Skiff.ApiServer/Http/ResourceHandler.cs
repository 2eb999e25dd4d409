using System.Globalization;
using System.Text.Json;
using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Skiff.Apimachinery;
using Skiff.Apimachinery.Patching;
using Skiff.ApiServer.Registry;
using Skiff.Api.Selection;
using Skiff.ApiServer.Tables;
using Skiff.ApiServer.Watch;

namespace Skiff.ApiServer.Http;

/// <summary>The verbs on resource paths: get, list, watch, create, update, patch, delete, deletecollection and the
/// status, scale and binding subresources, all driven by the resource table.</summary>
public sealed class ResourceHandler
{
    private readonly GenericRegistry _registry;
    private readonly WatchStreamer _watch;
    private readonly SubresourceHandlers _subresources;
    private readonly Dictionary<string, IPatchApplier> _patchers;
    private readonly TimeProvider _time;
    private readonly Proxy.PodProxy? _podProxy;
    private readonly Proxy.ResourceProxy? _resourceProxy;
    private readonly ServerSideApplier _apply;

    public ResourceHandler(GenericRegistry registry, IEnumerable<IPatchApplier> patchers, TimeProvider time, Proxy.PodProxy? podProxy = null, Proxy.ResourceProxy? resourceProxy = null)
    {
        _registry = registry;
        _resourceProxy = resourceProxy;
        _podProxy = podProxy;
        _time = time;
        _watch = new WatchStreamer(registry, time);
        _patchers = new Dictionary<string, IPatchApplier>(StringComparer.Ordinal);
        foreach (var patcher in patchers)
        {
            foreach (var type in patcher.MediaTypes)
            {
                _patchers[type] = patcher;
            }
        }

        _apply = new ServerSideApplier(registry);
        _subresources = new SubresourceHandlers(registry, this, _apply);
    }

    /// <summary>Answers the review kinds (TokenReview, SubjectAccessReview...) when set; without it they are 404.</summary>
    public Reviews.ReviewHandler? Reviews { get; init; }

    /// <summary>Serves <c>serviceaccounts/token</c> (TokenRequest) when set.</summary>
    public ServiceAccounts.TokenRequestHandler? TokenRequests { get; init; }

    public async Task HandleAsync(HttpContext ctx, ResourceDefinition def, RequestInfo info)
    {
        var method = ctx.Request.Method;
        var ns = def.Namespaced ? info.Namespace : null;
        if (def.Namespaced && info.Name is not null && string.IsNullOrEmpty(ns))
        {
            throw StatusErrors.NotFoundPlain();
        }

        // pods/log, exec, attach and portforward are proxied to the pod's kubelet.
        if (_podProxy is not null && def.Group.Length == 0 && def.Plural == "pods" && info.Subresource is { } streamed && Proxy.PodProxy.Serves(streamed))
        {
            // exec, attach and portforward are CONNECTs that admission sees (a log is a read).
            if (streamed != "log")
            {
                var connect = _registry.Admission?.For(Admission.AdmissionOperation.Connect, def, ns, info.Name, null, null, dryRun: false, streamed);
                _registry.Admission?.Admit(connect);
                _registry.Admission?.Validate(connect);
            }

            await _podProxy.HandleAsync(ctx, ns!, info.Name!, streamed);
            return;
        }

        // pods, services and nodes proxy: forwarded to the pod, a ready endpoint of the service, or the kubelet.
        if (_resourceProxy is not null && Proxy.ResourceProxy.Serves(def, info.Subresource))
        {
            await _resourceProxy.HandleAsync(ctx, def, ns, info.Name!, info.ProxyPath ?? string.Empty);
            return;
        }

        if (info.Subresource is { } sub)
        {
            if (def.Subresources.All(s => s.Name != sub))
            {
                throw StatusErrors.NotFoundPlain();
            }

            await _subresources.HandleAsync(ctx, def, ns, info.Name!, sub);
            return;
        }

        var verb = (method, info.Name is null) switch
        {
            ("GET", false) => "get",
            ("GET", true) => IsWatch(ctx.Request.Query) ? "watch" : "list",
            ("POST", true) => "create",
            ("PUT", false) => "update",
            ("PATCH", false) => "patch",
            ("DELETE", false) => "delete",
            ("DELETE", true) => "deletecollection",
            _ => "unsupported",
        };
        if (!def.Verbs.Contains(verb))
        {
            throw StatusErrors.MethodNotAllowed(verb, StatusErrors.QualifiedResource(def));
        }

        if (def.Namespaced && verb is "create" or "deletecollection" && string.IsNullOrEmpty(ns))
        {
            throw StatusErrors.MethodNotAllowed(verb, StatusErrors.QualifiedResource(def));
        }

        if (!def.Stored)
        {
            await (Reviews ?? throw StatusErrors.NotFoundPlain()).HandleAsync(ctx, def, ns);
            return;
        }

        switch (verb)
        {
            case "get":
                await GetAsync(ctx, def, ns, info.Name!);
                break;
            case "list":
                await ListAsync(ctx, def, ns);
                break;
            case "watch":
                await WatchAsync(ctx, def, ns);
                break;
            case "create":
                await CreateAsync(ctx, def, ns);
                break;
            case "update":
                await UpdateAsync(ctx, def, ns, info.Name!, status: false);
                break;
            case "patch":
                await PatchAsync(ctx, def, ns, info.Name!, status: false);
                break;
            case "delete":
                await DeleteAsync(ctx, def, ns, info.Name!);
                break;
            default:
                await DeleteCollectionAsync(ctx, def, ns);
                break;
        }
    }

    private static bool IsWatch(IQueryCollection query) => query["watch"].ToString() is "true" or "1" or "True";

    private static Negotiated Negotiate(HttpContext ctx, bool allowTable = true) =>
        MediaTypes.Negotiate(ctx.Request.Headers.Accept.ToString(), allowTable, allowDiscovery: false, allowProtobuf: true)
        ?? throw StatusErrors.NotAcceptable(ctx.Request.Headers.Accept.ToString());

    public static ListRequest ParseListRequest(IQueryCollection query)
    {
        LabelSelector labels;
        FieldSelector fields;
        try
        {
            labels = LabelSelector.Parse(query["labelSelector"].ToString());
        }
        catch (FormatException ex)
        {
            throw StatusErrors.BadRequest(ex.Message);
        }

        try
        {
            fields = FieldSelector.Parse(query["fieldSelector"].ToString());
        }
        catch (FormatException ex)
        {
            throw StatusErrors.BadRequest(ex.Message);
        }

        var limit = 0;
        if (query.TryGetValue("limit", out var l) && (!int.TryParse(l.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out limit)))
        {
            throw StatusErrors.BadRequest($"invalid limit: {l}");
        }

        return new ListRequest(labels, fields, limit, NullIfEmpty(query["continue"].ToString()),
            NullIfEmpty(query["resourceVersion"].ToString()), NullIfEmpty(query["resourceVersionMatch"].ToString()));
    }

    private static string? NullIfEmpty(string value) => value.Length == 0 ? null : value;

    // ---------------------------------------------------------------- reads

    private async Task GetAsync(HttpContext ctx, ResourceDefinition def, string? ns, string name)
    {
        var shape = Negotiate(ctx);
        var obj = await _registry.GetAsync(def, ns, name, NullIfEmpty(ctx.Request.Query["resourceVersion"].ToString()), ctx.RequestAborted);
        await WriteObjectAsync(ctx, 200, def, obj, shape);
    }

    /// <summary>Writes one object as JSON (or protobuf when asked and possible), as a one-row Table, or as PartialObjectMetadata.</summary>
    public async Task WriteObjectAsync(HttpContext ctx, int status, ResourceDefinition def, CachedObject obj, Negotiated shape)
    {
        switch (shape.Shape)
        {
            case ResponseShape.Table:
                var include = TableWriter.ParseInclude(ctx.Request.Query["includeObject"].ToString());
                await ResponseWriter.WriteStreamedAsync(ctx, status, shape.ContentType, (w, _) =>
                {
                    TableWriter.Write(w, def, shape.Version, [obj], obj.ModRevision, null, null, include, true, _time.GetUtcNow());
                    return Task.CompletedTask;
                });
                break;
            case ResponseShape.PartialObjectMetadata:
                await ResponseWriter.WriteStreamedAsync(ctx, status, shape.ContentType, (w, _) =>
                {
                    TableWriter.WritePartial(w, obj, shape.Version);
                    return Task.CompletedTask;
                });
                break;
            case ResponseShape.Protobuf:
                await ProtobufResponses.WriteAsync(ctx, status, obj.Json);
                break;
            default:
                await ResponseWriter.WriteJsonAsync(ctx, status, obj.Json);
                break;
        }
    }

    private async Task ListAsync(HttpContext ctx, ResourceDefinition def, string? ns)
    {
        var shape = Negotiate(ctx);
        var include = TableWriter.ParseInclude(ctx.Request.Query["includeObject"].ToString());
        var request = ParseListRequest(ctx.Request.Query);
        var page = await _registry.ListAsync(def, ns, request, ctx.RequestAborted);
        if (shape.Shape == ResponseShape.Protobuf)
        {
            if (ProtobufResponses.TryEncode(ListJson(def, page), out var protobuf))
            {
                await ResponseWriter.WriteBytesAsync(ctx, 200, ProtobufResponses.ContentType, protobuf);
                return;
            }

            shape = Negotiated.Json;
        }

        await ResponseWriter.WriteStreamedAsync(ctx, 200, shape.ContentType, async (w, flush) =>
        {
            if (shape.Shape == ResponseShape.Table)
            {
                TableWriter.Write(w, def, shape.Version, page.Items, page.Revision, page.Continue, page.RemainingItemCount, include, true, _time.GetUtcNow());
                return;
            }

            w.WriteStartObject();
            w.WriteString("kind", shape.Shape == ResponseShape.PartialObjectMetadata ? "PartialObjectMetadataList" : def.ListKind);
            w.WriteString("apiVersion", shape.Shape == ResponseShape.PartialObjectMetadata ? "meta.k8s.io/" + shape.Version : def.ApiVersion);
            WriteListMetadata(w, page);
            w.WriteStartArray("items");
            var n = 0;
            foreach (var item in page.Items)
            {
                if (shape.Shape == ResponseShape.PartialObjectMetadata)
                {
                    TableWriter.WritePartial(w, item, shape.Version);
                }
                else
                {
                    w.WriteRawValue(item.Json, skipInputValidation: true);
                }

                if (++n % 256 == 0)
                {
                    await flush();
                }
            }

            w.WriteEndArray();
            w.WriteEndObject();
        });
    }

    // The ListMeta of a list response: its revision and, for a page, the continue token and what remains.
    private static void WriteListMetadata(Utf8JsonWriter w, ListPage page)
    {
        w.WriteStartObject("metadata");
        w.WriteString("resourceVersion", page.Revision.ToString(CultureInfo.InvariantCulture));
        if (page.Continue is not null)
        {
            w.WriteString("continue", page.Continue);
        }

        if (page.RemainingItemCount is { } remaining)
        {
            w.WriteNumber("remainingItemCount", remaining);
        }

        w.WriteEndObject();
    }

    private static byte[] ListJson(ResourceDefinition def, ListPage page)
    {
        using var buffer = new MemoryStream();
        using (var w = new Utf8JsonWriter(buffer))
        {
            w.WriteStartObject();
            w.WriteString("kind", def.ListKind);
            w.WriteString("apiVersion", def.ApiVersion);
            WriteListMetadata(w, page);
            w.WriteStartArray("items");
            foreach (var item in page.Items)
            {
                w.WriteRawValue(item.Json, skipInputValidation: true);
            }

            w.WriteEndArray();
            w.WriteEndObject();
        }

        return buffer.ToArray();
    }

    private async Task WatchAsync(HttpContext ctx, ResourceDefinition def, string? ns)
    {
        var query = ctx.Request.Query;
        var shape = Negotiate(ctx);
        if (shape.Shape == ResponseShape.Protobuf)
        {
            // Watch events are streamed as JSON; client-go picks the decoder from the response Content-Type.
            shape = Negotiated.Json;
        }

        var include = TableWriter.ParseInclude(query["includeObject"].ToString());
        var request = ParseListRequest(query);
        var timeout = TimeSpan.FromSeconds(1800 + Random.Shared.Next(1800));
        if (query.TryGetValue("timeoutSeconds", out var t))
        {
            if (!int.TryParse(t.ToString(), NumberStyles.None, CultureInfo.InvariantCulture, out var seconds))
            {
                throw StatusErrors.BadRequest($"invalid timeoutSeconds: {t}");
            }

            timeout = TimeSpan.FromSeconds(seconds);
        }

        var bookmarks = query["allowWatchBookmarks"].ToString() is "true" or "1";
        var initialEvents = query["sendInitialEvents"].ToString() is "true" or "1";
        await _watch.StreamAsync(ctx, def, ns, request, new WatchStreamer.Options(shape, include, bookmarks, timeout, initialEvents));
    }

    // ---------------------------------------------------------------- writes

    public static async Task<byte[]> ReadJsonBodyAsync(HttpContext ctx)
    {
        var raw = await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted);
        if (raw.Length == 0)
        {
            throw StatusErrors.BadRequest("the body of the request was empty");
        }

        return RequestBody.ToJson(raw, ctx.Request.ContentType);
    }

    private async Task CreateAsync(HttpContext ctx, ResourceDefinition def, string? ns)
    {
        var shape = Negotiate(ctx);
        var options = WriteOptions.Parse(ctx, "CreateOptions");
        var json = await ReadJsonBodyAsync(ctx);
        var obj = ObjectCodec.DecodeBody(def, json);
        FieldValidation.For(ctx).CheckObject(def, json);
        var created = await _registry.CreateAsync(def, ns, obj, options.DryRun, ctx.RequestAborted, options.Manager(ctx));
        await WriteObjectAsync(ctx, 201, def, created, shape);
    }

    private async Task UpdateAsync(HttpContext ctx, ResourceDefinition def, string? ns, string name, bool status)
    {
        var shape = Negotiate(ctx);
        var options = WriteOptions.Parse(ctx, "UpdateOptions");
        var json = await ReadJsonBodyAsync(ctx);
        var obj = ObjectCodec.DecodeBody(def, json);
        FieldValidation.For(ctx).CheckObject(def, json);
        var updated = await _registry.UpdateAsync(def, ns, name, obj, status, options.DryRun, ctx.RequestAborted, options.Manager(ctx));
        await WriteObjectAsync(ctx, 200, def, updated, shape);
    }

    public async Task PatchAsync(HttpContext ctx, ResourceDefinition def, string? ns, string name, bool status)
    {
        var shape = Negotiate(ctx);
        var mediaType = RequestBody.MediaType(ctx.Request.ContentType);
        if (mediaType == PatchContentTypes.ApplyPatch)
        {
            var applyOptions = WriteOptions.Parse(ctx, "PatchOptions", apply: true);
            var body = await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted);
            var (applied, created) = await _apply.ApplyAsync(
                def, ns, name, status ? "status" : string.Empty, body, applyOptions, FieldValidation.For(ctx), ctx.RequestAborted);
            await WriteObjectAsync(ctx, created ? 201 : 200, def, applied, shape);
            return;
        }

        if (!_patchers.TryGetValue(mediaType, out var patcher))
        {
            throw StatusErrors.UnsupportedMediaType(ctx.Request.ContentType ?? string.Empty);
        }

        var options = WriteOptions.Parse(ctx, "PatchOptions");
        var patch = await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted);
        var validation = FieldValidation.For(ctx);
        var manager = options.Manager(ctx);
        var updated = await _registry.GuaranteedUpdateAsync(def, ns, name, retryOnConflict: true, options.DryRun, (current, currentJson, revision) =>
        {
            var patchedJson = Patch(mediaType, patcher, def.ModelType, currentJson(), patch);
            validation.CheckPatched(def.ModelType, mediaType, patch, patchedJson);
            var patched = ObjectCodec.DecodeBody(def, patchedJson);
            var pinned = GenericRegistry.ParseResourceVersion(patched.Metadata.ResourceVersion);
            if (pinned is not null && pinned != revision)
            {
                throw StatusErrors.Conflict(StatusErrors.QualifiedResource(def), name, StatusErrors.ModifiedDetail);
            }

            if (patched.Metadata.Name != name)
            {
                throw StatusErrors.BadRequest($"the name of the object ({patched.Metadata.Name}) does not match the name on the URL ({name})");
            }

            return _registry.PrepareUpdate(def, patched, current, status, manager);
        }, ctx.RequestAborted);
        await WriteObjectAsync(ctx, 200, def, updated, shape);
    }

    /// <summary>The patched JSON of <paramref name="current"/>, a <paramref name="modelType"/>.</summary>
    private static byte[] Patch(string mediaType, IPatchApplier patcher, Type modelType, byte[] current, byte[] patch)
    {
        try
        {
            return patcher.Apply(mediaType, modelType, current, patch);
        }
        catch (Exception ex) when (ex is JsonException or FormatException or InvalidOperationException)
        {
            throw StatusErrors.BadRequest("the server rejected our request due to an error in our request: " + ex.Message);
        }
    }

    /// <summary>Applies a JSON, merge or strategic merge patch to any JSON document of <paramref name="modelType"/>
    /// (used by subresources such as scale), with the request's field validation.</summary>
    public byte[] ApplyPatch(HttpContext ctx, Type modelType, byte[] currentJson, byte[] patch)
    {
        ArgumentNullException.ThrowIfNull(ctx);
        var mediaType = RequestBody.MediaType(ctx.Request.ContentType);
        if (!_patchers.TryGetValue(mediaType, out var patcher))
        {
            throw StatusErrors.UnsupportedMediaType(ctx.Request.ContentType ?? string.Empty);
        }

        var patched = Patch(mediaType, patcher, modelType, currentJson, patch);
        FieldValidation.For(ctx).CheckPatched(modelType, mediaType, patch, patched);
        return patched;
    }

    private static async Task<V1DeleteOptions> ReadDeleteOptionsAsync(HttpContext ctx)
    {
        var raw = await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted);
        V1DeleteOptions options;
        if (raw.Length > 0)
        {
            try
            {
                options = ModelJson.Deserialize<V1DeleteOptions>(RequestBody.ToJson(raw, ctx.Request.ContentType));
            }
            catch (JsonException ex)
            {
                throw StatusErrors.BadRequest("the body of the request was in an unknown format: " + ex.Message);
            }
        }
        else
        {
            options = new V1DeleteOptions();
        }

        var query = ctx.Request.Query;
        WriteOptions.Parse(ctx, "DeleteOptions", bodyDryRun: options.DryRun);
        if (query.TryGetValue("gracePeriodSeconds", out var g) && long.TryParse(g.ToString(), CultureInfo.InvariantCulture, out var grace))
        {
            options.GracePeriodSeconds = grace;
        }

        if (query.TryGetValue("propagationPolicy", out var p))
        {
            options.PropagationPolicy = p.ToString();
        }

        if (query["dryRun"].Contains("All"))
        {
            options.DryRun = ["All"];
        }

        return options;
    }

    private async Task DeleteAsync(HttpContext ctx, ResourceDefinition def, string? ns, string name)
    {
        var shape = Negotiate(ctx);
        var options = await ReadDeleteOptionsAsync(ctx);
        var (obj, gone) = await _registry.DeleteAsync(def, ns, name, options, ctx.RequestAborted);
        if (gone && !def.ReturnsDeletedObject)
        {
            // As upstream's finalizeDelete: the object is gone (or would be, on a dry run); say which one, with the
            // resource (not the kind) in details.kind.
            var deleted = obj.Decode().Metadata;
            var success = StatusErrors.Success(new V1StatusDetails
            {
                Name = deleted.Name,
                Group = def.Group.Length == 0 ? null : def.Group,
                Kind = def.Plural,
                Uid = deleted.Uid,
            });
            var json = ModelJson.Serialize(success);
            await (shape.Shape == ResponseShape.Protobuf ? ProtobufResponses.WriteAsync(ctx, 200, json) : ResponseWriter.WriteJsonAsync(ctx, 200, json));
            return;
        }

        await WriteObjectAsync(ctx, 200, def, obj, shape);
    }

    private async Task DeleteCollectionAsync(HttpContext ctx, ResourceDefinition def, string? ns)
    {
        var options = await ReadDeleteOptionsAsync(ctx);
        var request = ParseListRequest(ctx.Request.Query) with { Limit = 0, Continue = null };
        var page = await _registry.ListAsync(def, ns, request, ctx.RequestAborted);
        var deleted = new List<CachedObject>();
        foreach (var item in page.Items)
        {
            try
            {
                var (obj, _) = await _registry.DeleteAsync(def, item.Namespace, item.Name, options, ctx.RequestAborted);
                deleted.Add(obj);
            }
            catch (ApiException e) when (e.Code == 404)
            {
                // Deleted meanwhile by someone else: nothing left to do for it.
            }
        }

        await ResponseWriter.WriteStreamedAsync(ctx, 200, "application/json", (w, _) =>
        {
            w.WriteStartObject();
            w.WriteString("kind", def.ListKind);
            w.WriteString("apiVersion", def.ApiVersion);
            w.WriteStartObject("metadata");
            w.WriteString("resourceVersion", page.Revision.ToString(CultureInfo.InvariantCulture));
            w.WriteEndObject();
            w.WriteStartArray("items");
            foreach (var item in deleted)
            {
                w.WriteRawValue(item.Json, skipInputValidation: true);
            }

            w.WriteEndArray();
            w.WriteEndObject();
            return Task.CompletedTask;
        });
    }

    /// <summary>PUT on the status subresource.</summary>
    public Task UpdateStatusAsync(HttpContext ctx, ResourceDefinition def, string? ns, string name) => UpdateAsync(ctx, def, ns, name, status: true);

    /// <summary>GET of one object (for subresources that return the parent).</summary>
    public Task GetObjectAsync(HttpContext ctx, ResourceDefinition def, string? ns, string name) => GetAsync(ctx, def, ns, name);
}
