using System.Text.Json.Nodes;
using k8s.Models;
using Skiff.Apimachinery;
using Skiff.Apimachinery.Patching;
using Skiff.Apimachinery.Subresources;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Watch;

namespace Skiff.ApiServer.Registry;

/// <summary>
/// Server-side apply (<c>PATCH</c> with <c>application/apply-patch+yaml</c>) on a resource, its status or its scale:
/// merges the applied configuration with Apimachinery's <see cref="ServerSideApply"/> inside the registry's
/// read-modify-write loop, then runs the strategy like any update. Apply on a missing object creates it.
/// </summary>
public sealed class ServerSideApplier
{
    private readonly GenericRegistry _registry;

    public ServerSideApplier(GenericRegistry registry) => _registry = registry;

    /// <summary>Applies <paramref name="body"/>; returns the object and whether it was created (201).</summary>
    /// <param name="def">The resource.</param>
    /// <param name="ns">Its namespace (null for cluster-scoped).</param>
    /// <param name="name">The name on the URL.</param>
    /// <param name="subresource">"" or "status".</param>
    /// <param name="body">The request body (JSON or YAML).</param>
    /// <param name="options">The validated options (fieldManager is set).</param>
    /// <param name="validation">The request's fieldValidation (keys repeated in the body).</param>
    /// <param name="ct">Cancellation.</param>
    public async Task<(CachedObject Object, bool Created)> ApplyAsync(
        ResourceDefinition def, string? ns, string name, string subresource, byte[] body, WriteOptions options, FieldValidation validation, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(validation);
        var applied = Parse(body);
        ObjectCodec.CheckKind(def.ApiVersion, def.Kind, Text(applied, "apiVersion"), Text(applied, "kind"));
        CheckName(applied, name);
        RequireDeclared(applied, def.ModelType);
        applied = Scope(def, applied, subresource);
        var status = subresource == "status";
        for (var attempt = 0; ; attempt++)
        {
            try
            {
                var updated = await _registry.GuaranteedUpdateAsync(def, ns, name, retryOnConflict: true, options.DryRun, (current, revision) =>
                {
                    var merged = FieldOwnership.FromJson(def, Merge(def, FieldOwnership.ToJson(current), applied, options, subresource));
                    validation.CheckApplyBody(body);
                    var pinned = GenericRegistry.ParseResourceVersion(merged.Metadata.ResourceVersion);
                    if (pinned is not null && pinned != revision)
                    {
                        throw StatusErrors.Conflict(StatusErrors.QualifiedResource(def), name, StatusErrors.ModifiedDetail);
                    }

                    return _registry.PrepareUpdate(def, merged, current, status);
                }, ct);
                return (updated, false);
            }
            catch (ApiException e) when (e.Status.Reason == "NotFound" && e.Status.Details?.Name == name && !status)
            {
                // Apply is an upsert: the object does not exist yet, so the applied configuration creates it.
            }

            var created = FieldOwnership.FromJson(def, Merge(def, null, applied, options, subresource));
            validation.CheckApplyBody(body);
            created.Metadata.Name ??= name;
            try
            {
                return (await _registry.CreateAsync(def, ns, created, options.DryRun, ct), true);
            }
            catch (ApiException e) when (e.Status.Reason == "AlreadyExists" && attempt < 3)
            {
                // Created meanwhile by someone else: apply onto theirs.
            }
        }
    }

    /// <summary>Apply to the scale subresource: the Scale's <c>spec.replicas</c> is applied to the parent's
    /// <c>spec.replicas</c> under an Apply entry with subresource "scale", so conflicts name the parent's owners.</summary>
    public async Task<V1Scale> ApplyScaleAsync(
        ResourceDefinition def, string? ns, string name, byte[] body, WriteOptions options, FieldValidation validation, CancellationToken ct)
    {
        ArgumentNullException.ThrowIfNull(validation);
        var applied = Parse(body);
        ObjectCodec.CheckKind("autoscaling/v1", "Scale", Text(applied, "apiVersion"), Text(applied, "kind"));
        CheckName(applied, name);
        RequireDeclared(applied, typeof(V1Scale));
        var scale = ModelJson.Deserialize<V1Scale>(System.Text.Encoding.UTF8.GetBytes(applied.ToJsonString()));
        var errors = ScaleSubresource.Validate(scale);
        if (errors.Count > 0)
        {
            throw StatusErrors.Invalid("Scale", "autoscaling", name, errors);
        }

        var parent = new JsonObject
        {
            ["apiVersion"] = def.ApiVersion,
            ["kind"] = def.Kind,
            ["metadata"] = new JsonObject { ["name"] = name },
        };
        if (applied["spec"]?["replicas"] is { } replicas)
        {
            parent["spec"] = new JsonObject { ["replicas"] = replicas.DeepClone() };
        }

        var updated = await _registry.GuaranteedUpdateAsync(def, ns, name, retryOnConflict: true, options.DryRun, (current, _) =>
        {
            var merged = FieldOwnership.FromJson(def, Merge(def, FieldOwnership.ToJson(current), parent, options, "scale"));
            validation.CheckApplyBody(body);
            return _registry.PrepareUpdate(def, merged, current, status: false);
        }, ct);
        return ScaleSubresource.ToScale(updated.Decode());
    }

    private JsonObject Merge(ResourceDefinition def, JsonObject? live, JsonObject applied, WriteOptions options, string subresource)
    {
        try
        {
            var merged = ServerSideApply.Apply(live, applied, options.FieldManager, options.Force, def.ModelType, def.ApiVersion, _registry.Now, subresource);
            ManagedFields.KeepTimesIfUnchanged(live, merged);
            return merged;
        }
        catch (PatchException e)
        {
            throw BuiltInPatchers.ToApi(e);
        }
    }

    private static JsonObject Parse(byte[] body)
    {
        if (body.Length == 0)
        {
            throw StatusErrors.BadRequest("the body of the request was empty");
        }

        try
        {
            return ApplyBody.Parse(body);
        }
        catch (PatchException e)
        {
            throw BuiltInPatchers.ToApi(e);
        }
    }

    // The fields the other endpoint owns are reset, as the API server's strategies do: the resource ignores an applied
    // status when status is a subresource, the status subresource applies nothing but status.
    private static JsonObject Scope(ResourceDefinition def, JsonObject applied, string subresource)
    {
        if (subresource == "status")
        {
            var scoped = new JsonObject { ["apiVersion"] = applied["apiVersion"]?.DeepClone(), ["kind"] = applied["kind"]?.DeepClone() };
            if (applied["metadata"] is JsonObject metadata)
            {
                var identity = new JsonObject();
                foreach (var key in new[] { "name", "namespace", "resourceVersion" })
                {
                    if (metadata[key] is { } value)
                    {
                        identity[key] = value.DeepClone();
                    }
                }

                scoped["metadata"] = identity;
            }

            if (applied["status"] is { } status)
            {
                scoped["status"] = status.DeepClone();
            }

            return scoped;
        }

        if (def.Subresources.Any(s => s.Name == "status"))
        {
            applied.Remove("status");
        }

        return applied;
    }

    // Server-side apply types the applied object before merging it; a field the type does not declare fails that
    // conversion whatever fieldValidation says, with a plain (500) error.
    private static void RequireDeclared(JsonObject applied, Type modelType)
    {
        var undeclared = UndeclaredFields.Find(applied, modelType);
        if (undeclared.Count > 0)
        {
            throw StatusErrors.Unclassified(UndeclaredFields.Message(applied, undeclared));
        }
    }

    private static void CheckName(JsonObject applied, string name)
    {
        var bodyName = applied["metadata"]?["name"] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
        if (!string.IsNullOrEmpty(bodyName) && bodyName != name)
        {
            throw StatusErrors.BadRequest($"the name of the object ({bodyName}) does not match the name on the URL ({name})");
        }
    }

    private static string? Text(JsonObject obj, string key) =>
        obj[key] is JsonValue value && value.TryGetValue<string>(out var text) ? text : null;
}
