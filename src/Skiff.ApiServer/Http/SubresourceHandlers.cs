using System.Text.Json;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Skiff.Apimachinery;
using Skiff.Apimachinery.Strategies;
using Skiff.Apimachinery.Strategies.Certificates;
using Skiff.Apimachinery.Strategies.Pods;
using Skiff.Apimachinery.Subresources;
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
    private readonly ServerSideApplier _apply;

    public SubresourceHandlers(GenericRegistry registry, ResourceHandler resources, ServerSideApplier apply)
    {
        _registry = registry;
        _resources = resources;
        _apply = apply;
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
                await ResponseWriter.WriteJsonAsync(ctx, 200, ModelJson.Serialize(ScaleSubresource.ToScale(current.Decode())));
                return;
            case ("scale", "PUT"):
                var putOptions = WriteOptions.Parse(ctx, "UpdateOptions");
                var scaleBody = await ResourceHandler.ReadJsonBodyAsync(ctx);
                var scale = DecodeScale(scaleBody);
                FieldValidation.For(ctx).CheckObject("Scale", "v1", typeof(V1Scale), scaleBody);
                await ResponseWriter.WriteJsonAsync(ctx, 200, ModelJson.Serialize(await SetReplicasAsync(ctx, def, ns, name, scale, putOptions)));
                return;
            case ("scale", "PATCH") when RequestBody.MediaType(ctx.Request.ContentType) == Skiff.Apimachinery.Patching.PatchContentTypes.ApplyPatch:
                var applyOptions = WriteOptions.Parse(ctx, "PatchOptions", apply: true);
                var applyBody = await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted);
                var appliedScale = await _apply.ApplyScaleAsync(def, ns, name, applyBody, applyOptions, FieldValidation.For(ctx), ctx.RequestAborted);
                await ResponseWriter.WriteJsonAsync(ctx, 200, ModelJson.Serialize(appliedScale));
                return;
            case ("scale", "PATCH"):
                var patchOptions = WriteOptions.Parse(ctx, "PatchOptions");
                var patch = await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted);
                var before = await _registry.GetAsync(def, ns, name, null, ctx.RequestAborted);
                var scaleJson = ModelJson.Serialize(ScaleSubresource.ToScale(before.Decode()));
                var patched = DecodeScale(_resources.ApplyPatch(ctx, typeof(V1Scale), scaleJson, patch));
                await ResponseWriter.WriteJsonAsync(ctx, 200, ModelJson.Serialize(await SetReplicasAsync(ctx, def, ns, name, patched, patchOptions)));
                return;
            case ("ephemeralcontainers", "GET"):
                await _resources.GetObjectAsync(ctx, def, ns, name);
                return;
            case ("ephemeralcontainers", "PUT"):
                await UpdateEphemeralContainersAsync(ctx, def, ns, name, WriteOptions.Parse(ctx, "UpdateOptions"), patch: null);
                return;
            case ("ephemeralcontainers", "PATCH"):
                var ephemeralPatch = await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted);
                await UpdateEphemeralContainersAsync(ctx, def, ns, name, WriteOptions.Parse(ctx, "PatchOptions"), ephemeralPatch);
                return;
            case ("approval", "GET"):
                await _resources.GetObjectAsync(ctx, def, ns, name);
                return;
            case ("approval", "PUT"):
                await UpdateApprovalAsync(ctx, def, name, WriteOptions.Parse(ctx, "UpdateOptions"), patch: null);
                return;
            case ("approval", "PATCH"):
                var approvalPatch = await RequestBody.ReadAsync(ctx.Request, ctx.RequestAborted);
                await UpdateApprovalAsync(ctx, def, name, WriteOptions.Parse(ctx, "PatchOptions"), approvalPatch);
                return;
            case ("finalize", "PUT"):
                await FinalizeNamespaceAsync(ctx, def, name, WriteOptions.Parse(ctx, "UpdateOptions"));
                return;
            case ("binding", "POST"):
                await BindAsync(ctx, def, ns, name);
                return;
            case ("token", "POST") when _resources.TokenRequests is { } tokens:
                await tokens.HandleAsync(ctx, def, ns!, name);
                return;
            case ("eviction", "POST"):
                await EvictAsync(ctx, def, ns, name);
                return;
            default:
                throw StatusErrors.MethodNotAllowed(method, StatusErrors.QualifiedResource(def, subresource));
        }
    }

    private static V1Scale DecodeScale(byte[] json)
    {
        var scale = DecodeBody<V1Scale>(json);
        ObjectCodec.CheckKind("autoscaling/v1", "Scale", scale.ApiVersion, scale.Kind);
        return scale;
    }

    /// <summary>A subresource request body as <typeparamref name="T"/>; 400 when it is not JSON of that shape.</summary>
    private static T DecodeBody<T>(byte[] json)
    {
        try
        {
            return ModelJson.Deserialize<T>(json);
        }
        catch (JsonException ex)
        {
            throw StatusErrors.BadRequest("the object provided is unrecognized: " + ex.Message);
        }
    }

    private async Task<V1Scale> SetReplicasAsync(HttpContext ctx, ResourceDefinition def, string? ns, string name, V1Scale scale, WriteOptions options)
    {
        if (scale.Metadata?.Name is { } scaleName && scaleName != name)
        {
            throw StatusErrors.BadRequest($"the name of the object ({scaleName}) does not match the name on the URL ({name})");
        }

        var errors = ScaleSubresource.Validate(scale);
        if (errors.Count > 0)
        {
            throw StatusErrors.Invalid("Scale", "autoscaling", name, errors);
        }

        var pinned = GenericRegistry.ParseResourceVersion(scale.Metadata?.ResourceVersion);
        var manager = options.Manager(ctx);
        var updated = await _registry.GuaranteedUpdateAsync(def, ns, name, retryOnConflict: pinned is null, options.DryRun, (current, revision) =>
        {
            if (pinned is not null && pinned != revision)
            {
                throw StatusErrors.Conflict(StatusErrors.QualifiedResource(def, "scale"), name, StatusErrors.ModifiedDetail);
            }

            var old = ModelJson.Deserialize(ModelJson.Serialize(current), def.ModelType);
            ScaleSubresource.ApplyReplicas(current, scale);
            return _registry.PrepareUpdate(def, current, old, status: false, manager, "scale");
        }, ctx.RequestAborted);
        return ScaleSubresource.ToScale(updated.Decode());
    }

    // policy/v1 Eviction (what kubectl drain posts): once the pod's PodDisruptionBudget allows it (PodEviction), a delete
    // of the pod with the eviction's delete options, answered with a 201 Success Status.
    private async Task EvictAsync(HttpContext ctx, ResourceDefinition def, string? ns, string name)
    {
        var body = await ResourceHandler.ReadJsonBodyAsync(ctx);
        var eviction = DecodeBody<V1Eviction>(body);
        FieldValidation.For(ctx).CheckObject("Eviction", "v1", typeof(V1Eviction), body);

        ObjectCodec.CheckKind("policy/v1", "Eviction", eviction.ApiVersion, eviction.Kind);
        if (eviction.Metadata?.Name is { Length: > 0 } evictionName && evictionName != name)
        {
            throw StatusErrors.BadRequest($"name in URL does not match name in Eviction object");
        }

        var options = eviction.DeleteOptions ?? new V1DeleteOptions();
        var write = WriteOptions.Parse(ctx, "DeleteOptions", bodyDryRun: options.DryRun);
        if (write.DryRun)
        {
            options.DryRun = ["All"];
        }

        var budgets = new PodEviction(_registry);
        var pinned = await budgets.AdmitAsync(ns!, name, write.DryRun, ctx.RequestAborted);
        if (pinned is not null && options.Preconditions?.ResourceVersion is null)
        {
            options.Preconditions ??= new V1Preconditions();
            options.Preconditions.ResourceVersion = pinned;
        }

        if (!write.DryRun)
        {
            await budgets.MarkDisruptionTargetAsync(ns!, name, options, ctx.RequestAborted);
        }

        await _registry.DeleteAsync(def, ns, name, options, ctx.RequestAborted);
        var success = StatusErrors.Success();
        success.Code = 201;
        await ResponseWriter.WriteJsonAsync(ctx, 201, ModelJson.Serialize(success));
    }

    /// <summary>pods/ephemeralcontainers: only <c>spec.ephemeralContainers</c> of the body (or of the pod as the patch
    /// leaves it) is taken; everything else stays as stored. 422 under upstream's ephemeral-container rules.</summary>
    private async Task UpdateEphemeralContainersAsync(HttpContext ctx, ResourceDefinition def, string? ns, string name, WriteOptions options, byte[]? patch)
    {
        V1Pod? submitted = null;
        if (patch is null)
        {
            var body = await ResourceHandler.ReadJsonBodyAsync(ctx);
            submitted = DecodeBody<V1Pod>(body);
            FieldValidation.For(ctx).CheckObject("Pod", "v1", typeof(V1Pod), body);
            ObjectCodec.CheckKind("v1", "Pod", submitted.ApiVersion, submitted.Kind);
            if (submitted.Metadata?.Name is { } podName && podName != name)
            {
                throw StatusErrors.BadRequest($"the name of the object ({podName}) does not match the name on the URL ({name})");
            }
        }

        var pinned = GenericRegistry.ParseResourceVersion(submitted?.Metadata?.ResourceVersion);
        var manager = options.Manager(ctx);
        var updated = await _registry.GuaranteedUpdateAsync(def, ns, name, retryOnConflict: pinned is null, options.DryRun, (current, revision) =>
        {
            if (pinned is not null && pinned != revision)
            {
                throw StatusErrors.Conflict(StatusErrors.QualifiedResource(def), name, StatusErrors.ModifiedDetail);
            }

            var pod = (V1Pod)current;
            var old = ModelJson.Deserialize<V1Pod>(ModelJson.Serialize(pod));
            var wanted = submitted ?? DecodeBody<V1Pod>(_resources.ApplyPatch(ctx, typeof(V1Pod), ModelJson.Serialize(pod), patch!));
            pod.Spec.EphemeralContainers = wanted.Spec?.EphemeralContainers;
            EphemeralContainerRules.ApplyDefaults(pod.Spec);
            var errors = EphemeralContainerRules.ValidateUpdate(pod.Spec, old.Spec);
            if (errors.Count > 0)
            {
                throw StatusErrors.Invalid("Pod", string.Empty, name, errors);
            }

            return _registry.PrepareSubresourceUpdate(def, pod, old, manager, "ephemeralcontainers");
        }, ctx.RequestAborted);
        await ResponseWriter.WriteJsonAsync(ctx, 200, updated.Json);
    }

    /// <summary><c>kubectl certificate approve|deny</c>: the Approved/Denied conditions of a CertificateSigningRequest.</summary>
    private async Task UpdateApprovalAsync(HttpContext ctx, ResourceDefinition def, string name, WriteOptions options, byte[]? patch)
    {
        V1CertificateSigningRequest? submitted = null;
        if (patch is null)
        {
            var body = await ResourceHandler.ReadJsonBodyAsync(ctx);
            submitted = DecodeBody<V1CertificateSigningRequest>(body);
            FieldValidation.For(ctx).CheckObject(def.Kind, def.ApiVersion, def.ModelType, body);
            ObjectCodec.CheckKind(def.ApiVersion, def.Kind, submitted.ApiVersion, submitted.Kind);
            if (submitted.Metadata?.Name is { } csrName && csrName != name)
            {
                throw StatusErrors.BadRequest($"the name of the object ({csrName}) does not match the name on the URL ({name})");
            }
        }

        var pinned = GenericRegistry.ParseResourceVersion(submitted?.Metadata?.ResourceVersion);
        var manager = options.Manager(ctx);
        var updated = await _registry.GuaranteedUpdateAsync(def, null, name, retryOnConflict: pinned is null, options.DryRun, (current, revision) =>
        {
            if (pinned is not null && pinned != revision)
            {
                throw StatusErrors.Conflict(StatusErrors.QualifiedResource(def), name, StatusErrors.ModifiedDetail);
            }

            var csr = (V1CertificateSigningRequest)current;
            var old = ModelJson.Deserialize<V1CertificateSigningRequest>(ModelJson.Serialize(csr));
            var wanted = submitted ?? DecodeBody<V1CertificateSigningRequest>(_resources.ApplyPatch(ctx, typeof(V1CertificateSigningRequest), ModelJson.Serialize(csr), patch!));
            var errors = CsrApproval.Apply(csr, old, wanted, _registry.Now);
            if (errors.Count > 0)
            {
                throw StatusErrors.Invalid(def.Kind, def.Group, name, errors);
            }

            return _registry.PrepareSubresourceUpdate(def, csr, old, manager, "approval");
        }, ctx.RequestAborted);
        await ResponseWriter.WriteJsonAsync(ctx, 200, updated.Json);
    }

    /// <summary>PUT namespaces/{name}/finalize: replaces spec.finalizers only (the namespace controller removes its
    /// <c>kubernetes</c> finalizer so); a terminating namespace left without finalizers is removed by the write.</summary>
    private async Task FinalizeNamespaceAsync(HttpContext ctx, ResourceDefinition def, string name, WriteOptions options)
    {
        var body = await ResourceHandler.ReadJsonBodyAsync(ctx);
        var submitted = DecodeBody<V1Namespace>(body);
        FieldValidation.For(ctx).CheckObject("Namespace", "v1", typeof(V1Namespace), body);
        ObjectCodec.CheckKind("v1", "Namespace", submitted.ApiVersion, submitted.Kind);
        if (submitted.Metadata?.Name is { } submittedName && submittedName != name)
        {
            throw StatusErrors.BadRequest($"the name of the object ({submittedName}) does not match the name on the URL ({name})");
        }

        var pinned = GenericRegistry.ParseResourceVersion(submitted.Metadata?.ResourceVersion);
        var manager = options.Manager(ctx);
        var updated = await _registry.GuaranteedUpdateAsync(def, null, name, retryOnConflict: pinned is null, options.DryRun, (current, revision) =>
        {
            if (pinned is not null && pinned != revision)
            {
                throw StatusErrors.Conflict(StatusErrors.QualifiedResource(def), name, StatusErrors.ModifiedDetail);
            }

            var old = ModelJson.Deserialize<V1Namespace>(ModelJson.Serialize(current));
            var finalized = NamespaceStrategy.Finalize((V1Namespace)current, submitted);
            var errors = def.Strategy.ValidateUpdate(finalized, old);
            if (errors.Count > 0)
            {
                throw StatusErrors.Invalid(def.Kind, def.Group, name, errors);
            }

            return _registry.PrepareSubresourceUpdate(def, finalized, old, manager, "finalize");
        }, ctx.RequestAborted);
        await ResponseWriter.WriteJsonAsync(ctx, 200, updated.Json);
    }

    private async Task BindAsync(HttpContext ctx, ResourceDefinition def, string? ns, string name)
    {
        var body = await ResourceHandler.ReadJsonBodyAsync(ctx);
        var binding = DecodeBody<V1Binding>(body);
        FieldValidation.For(ctx).CheckObject("Binding", "v1", typeof(V1Binding), body);

        ObjectCodec.CheckKind("v1", "Binding", binding.ApiVersion, binding.Kind);
        if (binding.Metadata?.Name is { } bindingName && bindingName != name)
        {
            throw StatusErrors.BadRequest($"the name of the object ({bindingName}) does not match the name on the URL ({name})");
        }

        var bindingErrors = PodBinding.Validate(binding);
        if (bindingErrors.Count > 0)
        {
            throw StatusErrors.Invalid("Binding", string.Empty, name, bindingErrors);
        }

        var resource = StatusErrors.QualifiedResource(def, "binding");
        await _registry.GuaranteedUpdateAsync(def, ns, name, retryOnConflict: true, dryRun: false, (current, _) =>
        {
            if (current is not V1Pod pod)
            {
                throw StatusErrors.MethodNotAllowed("create", resource);
            }

            if (binding.Metadata?.Uid is { Length: > 0 } uid && uid != pod.Metadata.Uid)
            {
                throw StatusErrors.Conflict(resource, name, $"Precondition failed: UID in precondition: {uid}, UID in object meta: {pod.Metadata.Uid}");
            }

            var conflict = PodBinding.TryBind(pod, binding, _registry.Now);
            return conflict is null ? pod : throw StatusErrors.Conflict(resource, name, conflict);
        }, ctx.RequestAborted);

        var success = StatusErrors.Success();
        success.Code = 201;
        await ResponseWriter.WriteJsonAsync(ctx, 201, ModelJson.Serialize(success));
    }
}
