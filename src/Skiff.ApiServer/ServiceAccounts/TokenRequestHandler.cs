using k8s.Models;
using Microsoft.AspNetCore.Http;
using Skiff.Apimachinery;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;

namespace Skiff.ApiServer.ServiceAccounts;

/// <summary>
/// <c>POST .../serviceaccounts/NAME/token</c> (authentication.k8s.io/v1 TokenRequest, what <c>kubectl create
/// token</c> sends): a token for the service account, for the audiences asked (default: the API server's), valid
/// for <c>expirationSeconds</c> (default an hour, at least ten minutes), optionally bound to a Pod or Secret of
/// the namespace so that it stops working when that object goes.
/// </summary>
public sealed class TokenRequestHandler(GenericRegistry registry, ServiceAccountTokens tokens)
{
    private const long DefaultExpirationSeconds = 3600;
    private const long MinExpirationSeconds = 600;

    public async Task HandleAsync(HttpContext ctx, ResourceDefinition serviceAccounts, string ns, string name)
    {
        var body = await ResourceHandler.ReadJsonBodyAsync(ctx);
        Authenticationv1TokenRequest request;
        try
        {
            request = ModelJson.Deserialize<Authenticationv1TokenRequest>(body);
        }
        catch (System.Text.Json.JsonException e)
        {
            throw StatusErrors.BadRequest("the object provided is unrecognized: " + e.Message);
        }

        var spec = request.Spec ??= new V1TokenRequestSpec();
        spec.ExpirationSeconds ??= DefaultExpirationSeconds;
        if (spec.ExpirationSeconds < MinExpirationSeconds)
        {
            throw Invalid(name, new FieldError(FieldErrorType.Invalid, "spec.expirationSeconds", spec.ExpirationSeconds, "may not specify a duration less than 10 minutes"));
        }

        if (spec.ExpirationSeconds > 1L << 32)
        {
            throw Invalid(name, new FieldError(FieldErrorType.Invalid, "spec.expirationSeconds", spec.ExpirationSeconds, "may not specify a duration larger than 2^32 seconds"));
        }

        spec.Audiences = spec.Audiences is { Count: > 0 } ? spec.Audiences : [.. tokens.Audiences];
        var account = (V1ServiceAccount)(await registry.GetAsync(serviceAccounts, ns, name, null, ctx.RequestAborted)).Decode();
        var bound = await BindAsync(ctx, ns, spec.BoundObjectRef);
        var (token, expires) = tokens.Issue(account, [.. spec.Audiences], TimeSpan.FromSeconds(spec.ExpirationSeconds.Value), bound);
        var response = new Authenticationv1TokenRequest
        {
            ApiVersion = "authentication.k8s.io/v1",
            Kind = "TokenRequest",
            Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns, CreationTimestamp = registry.Now.UtcDateTime },
            Spec = spec,
            Status = new V1TokenRequestStatus { Token = token, ExpirationTimestamp = expires },
        };
        await ResponseWriter.WriteJsonAsync(ctx, 201, ModelJson.Serialize(response));
    }

    private async Task<BoundObject?> BindAsync(HttpContext ctx, string ns, V1BoundObjectReference? reference)
    {
        if (reference is null)
        {
            return null;
        }

        if (reference.Kind is not ("Pod" or "Secret") || reference.ApiVersion is not (null or "" or "v1"))
        {
            throw Invalid(reference.Name ?? string.Empty, new FieldError(FieldErrorType.NotSupported, "spec.boundObjectRef.kind", reference.Kind, "supported values: \"Pod\", \"Secret\""));
        }

        var def = registry.Index.Find(string.Empty, "v1", reference.Kind == "Pod" ? "pods" : "secrets")!;
        var obj = (await registry.GetAsync(def, ns, reference.Name ?? string.Empty, null, ctx.RequestAborted)).Decode();
        if (!string.IsNullOrEmpty(reference.Uid) && reference.Uid != obj.Metadata.Uid)
        {
            throw StatusErrors.Conflict(def.Plural, reference.Name ?? string.Empty,
                $"the UID in the bound object reference ({reference.Uid}) does not match the UID in record. The object might have been deleted and then recreated");
        }

        string? nodeName = null, nodeUid = null;
        if (obj is V1Pod { Spec.NodeName: { Length: > 0 } node })
        {
            var nodes = registry.Index.Find(string.Empty, "v1", "nodes")!;
            nodeName = node;
            nodeUid = registry.Hub.For(nodes).Get(nodes.StorageKey(null, node))?.Decode().Metadata.Uid;
        }

        return new BoundObject(reference.Kind, obj.Metadata.Name, obj.Metadata.Uid, nodeName, nodeUid);
    }

    private static ApiException Invalid(string name, FieldError error) => StatusErrors.Invalid("TokenRequest", "authentication.k8s.io", name, [error]);
}
