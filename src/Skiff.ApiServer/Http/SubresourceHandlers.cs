using System.Globalization;
using System.Text.Json;
using System.Text.Json.Nodes;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Skiff.Apimachinery;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.Http;

/// <summary>
/// The subresources the API server itself serves: <c>status</c> (the strategy's status rules), <c>scale</c>
/// (autoscaling/v1 Scale over <c>spec.replicas</c>/<c>spec.selector</c> of any kind that has them) and <c>binding</c>
/// (assigning a pod to a node once).
/// </summary>
public sealed class SubresourceHandlers
{
    private readonly GenericRegistry _registry;
    private readonly ResourceHandler _resources;

    public SubresourceHandlers(GenericRegistry registry, ResourceHandler resources)
    {
        _registry = registry;
        _resources = resources;
    }

    public async Task HandleAsync(HttpContext ctx, ResourceDefinition def, string? ns, string name, string subresource)
    {
        var method = ctx.Request.Method;
        switch (subresource, method)
        {
            case ("status", "GET"):
                await _resources.GetObjectAsync(ctx, def, ns, name);
                return;
            case ("status", "PUT"):
                await _resources.UpdateStatusAsync(ctx, def, ns, name);
                return;
            case ("status", "PATCH"):
                await _resources.PatchAsync(ctx, def, ns, name, status: true);
                return;
            case ("scale", "GET"):
                var current = await _registry.GetAsync(def, ns, name, null, ctx.RequestAborted);
                await ResponseWriter.WriteJsonAsync(ctx, 200, ModelJson.Serialize(ToScale(current.Json)));
                return;
            case ("scale", "PUT"):
                var scale = DecodeScale(await ResourceHandler.ReadJsonBodyAsync(ctx));
                await ResponseWriter.WriteJsonAsync(ctx, 200, ModelJson.Serialize(await SetReplicasAsync(ctx, def, ns, name, scale)));
                return;
            case ("scale", "PATCH"):
                var patch = await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted);
                var before = await _registry.GetAsync(def, ns, name, null, ctx.RequestAborted);
                var scaleJson = ModelJson.Serialize(ToScale(before.Json));
                var patched = DecodeScale(_resources.ApplyPatch(ctx, def, scaleJson, patch));
                await ResponseWriter.WriteJsonAsync(ctx, 200, ModelJson.Serialize(await SetReplicasAsync(ctx, def, ns, name, patched)));
                return;
            case ("binding", "POST"):
                await BindAsync(ctx, def, ns, name);
                return;
            default:
                throw StatusErrors.MethodNotAllowed(method, StatusErrors.QualifiedResource(def, subresource));
        }
    }

    private static V1Scale DecodeScale(byte[] json)
    {
        try
        {
            var scale = ModelJson.Deserialize<V1Scale>(json);
            ObjectCodec.CheckKind("autoscaling/v1", "Scale", scale.ApiVersion, scale.Kind);
            return scale;
        }
        catch (JsonException ex)
        {
            throw StatusErrors.BadRequest("the object provided is unrecognized: " + ex.Message);
        }
    }

    private static V1Scale ToScale(byte[] parentJson)
    {
        var node = JsonNode.Parse(parentJson)!;
        var meta = ModelJson.Deserialize<V1ObjectMeta>(System.Text.Encoding.UTF8.GetBytes(node["metadata"]!.ToJsonString()));
        return new V1Scale
        {
            ApiVersion = "autoscaling/v1",
            Kind = "Scale",
            Metadata = new V1ObjectMeta
            {
                Name = meta.Name,
                NamespaceProperty = meta.NamespaceProperty,
                Uid = meta.Uid,
                ResourceVersion = meta.ResourceVersion,
                CreationTimestamp = meta.CreationTimestamp,
            },
            Spec = new V1ScaleSpec { Replicas = node["spec"]?["replicas"]?.GetValue<int>() ?? 1 },
            Status = new V1ScaleStatus
            {
                Replicas = node["status"]?["replicas"]?.GetValue<int>() ?? 0,
                Selector = SelectorString(node["spec"]?["selector"]),
            },
        };
    }

    private static string? SelectorString(JsonNode? selector)
    {
        if (selector is not JsonObject obj)
        {
            return null;
        }

        var parts = new List<string>();
        if (obj["matchLabels"] is JsonObject labels)
        {
            parts.AddRange(labels.OrderBy(l => l.Key, StringComparer.Ordinal).Select(l => $"{l.Key}={l.Value?.GetValue<string>()}"));
        }

        if (obj["matchExpressions"] is JsonArray expressions)
        {
            foreach (var e in expressions)
            {
                var key = e?["key"]?.GetValue<string>();
                var values = (e?["values"] as JsonArray)?.Select(v => v?.GetValue<string>()).ToList() ?? [];
                parts.Add(e?["operator"]?.GetValue<string>() switch
                {
                    "In" => $"{key} in ({string.Join(',', values)})",
                    "NotIn" => $"{key} notin ({string.Join(',', values)})",
                    "Exists" => key!,
                    _ => "!" + key,
                });
            }
        }

        return string.Join(',', parts);
    }

    private async Task<V1Scale> SetReplicasAsync(HttpContext ctx, ResourceDefinition def, string? ns, string name, V1Scale scale)
    {
        if (scale.Metadata?.Name is { } scaleName && scaleName != name)
        {
            throw StatusErrors.BadRequest($"the name of the object ({scaleName}) does not match the name on the URL ({name})");
        }

        if (scale.Spec?.Replicas is < 0)
        {
            throw StatusErrors.Invalid("Scale", "autoscaling", name,
                [new FieldError(FieldErrorType.Invalid, "spec.replicas", scale.Spec.Replicas, "must be greater than or equal to 0")]);
        }

        var pinned = GenericRegistry.ParseResourceVersion(scale.Metadata?.ResourceVersion);
        var dryRun = ctx.Request.Query["dryRun"].Contains("All");
        var updated = await _registry.GuaranteedUpdateAsync(def, ns, name, retryOnConflict: pinned is null, dryRun, (current, revision) =>
        {
            if (pinned is not null && pinned != revision)
            {
                throw StatusErrors.Conflict(StatusErrors.QualifiedResource(def, "scale"), name, StatusErrors.ModifiedDetail);
            }

            var node = JsonNode.Parse(ModelJson.Serialize(current))!;
            var spec = node["spec"] as JsonObject ?? new JsonObject();
            spec["replicas"] = scale.Spec?.Replicas ?? 0;
            node["spec"] = spec;
            var changed = ModelJson.Deserialize(System.Text.Encoding.UTF8.GetBytes(node.ToJsonString()), def.ModelType);
            return _registry.PrepareUpdate(def, changed, current, status: false);
        }, ctx.RequestAborted);
        return ToScale(updated.Json);
    }

    private async Task BindAsync(HttpContext ctx, ResourceDefinition def, string? ns, string name)
    {
        V1Binding binding;
        try
        {
            binding = ModelJson.Deserialize<V1Binding>(await ResourceHandler.ReadJsonBodyAsync(ctx));
        }
        catch (JsonException ex)
        {
            throw StatusErrors.BadRequest("the object provided is unrecognized: " + ex.Message);
        }

        ObjectCodec.CheckKind("v1", "Binding", binding.ApiVersion, binding.Kind);
        if (binding.Metadata?.Name is { } bindingName && bindingName != name)
        {
            throw StatusErrors.BadRequest($"the name of the object ({bindingName}) does not match the name on the URL ({name})");
        }

        var node = binding.Target?.Name;
        if (string.IsNullOrEmpty(node))
        {
            throw StatusErrors.Invalid("Binding", string.Empty, name, [new FieldError(FieldErrorType.Required, "target.name", null, string.Empty)]);
        }

        var resource = StatusErrors.QualifiedResource(def, "binding");
        await _registry.GuaranteedUpdateAsync(def, ns, name, retryOnConflict: true, dryRun: false, (current, _) =>
        {
            if (current is not V1Pod pod)
            {
                throw StatusErrors.MethodNotAllowed("create", resource);
            }

            if (pod.Metadata.DeletionTimestamp is not null)
            {
                throw StatusErrors.Conflict(resource, name, $"pod {name} is being deleted, cannot be assigned to a host");
            }

            if (!string.IsNullOrEmpty(pod.Spec.NodeName))
            {
                throw StatusErrors.Conflict(resource, name, $"pod {name} is already assigned to node \"{pod.Spec.NodeName}\"");
            }

            if (binding.Metadata?.Uid is { Length: > 0 } uid && uid != pod.Metadata.Uid)
            {
                throw StatusErrors.Conflict(resource, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {pod.Metadata.Uid}");
            }

            pod.Spec.NodeName = node;
            pod.Status ??= new V1PodStatus();
            pod.Status.Conditions ??= [];
            var scheduled = pod.Status.Conditions.FirstOrDefault(c => c.Type == "PodScheduled");
            if (scheduled is null)
            {
                scheduled = new V1PodCondition { Type = "PodScheduled" };
                pod.Status.Conditions.Add(scheduled);
            }

            scheduled.Status = "True";
            scheduled.Reason = null;
            scheduled.Message = null;
            scheduled.LastTransitionTime = DateTime.UtcNow.AddTicks(-(DateTime.UtcNow.Ticks % TimeSpan.TicksPerSecond));
            return pod;
        }, ctx.RequestAborted);

        var success = StatusErrors.Success();
        success.Code = 201;
        await ResponseWriter.WriteJsonAsync(ctx, 201, ModelJson.Serialize(success));
    }

    internal static string Invariant(long value) => value.ToString(CultureInfo.InvariantCulture);
}
