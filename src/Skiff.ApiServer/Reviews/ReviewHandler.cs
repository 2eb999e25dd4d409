using k8s;
using k8s.Models;
using Microsoft.AspNetCore.Http;
using Skiff.Apimachinery;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Registry;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Reviews;

/// <summary>
/// Answers a create of a review kind (<see cref="ResourceDefinition.Stored"/> false): the request's object comes
/// back with its <c>status</c> filled in, and nothing is written. <c>kubectl auth whoami</c> sends a
/// SelfSubjectReview, <c>kubectl auth can-i</c> a SelfSubjectAccessReview (or a SelfSubjectRulesReview with
/// <c>--list</c>); webhooks and proxies send TokenReviews and SubjectAccessReviews.
/// </summary>
public sealed class ReviewHandler(AccessReviews access, IdentityReviews identity, TimeProvider time)
{
    public async Task HandleAsync(HttpContext ctx, ResourceDefinition def, string? ns)
    {
        var json = await ResourceHandler.ReadJsonBodyAsync(ctx);
        var obj = ObjectCodec.DecodeBody(def, json);
        FieldValidation.For(ctx).CheckObject(def, json);
        var user = RequestUser.Current ?? throw StatusErrors.Unauthorized();
        IKubernetesObject<V1ObjectMeta> answer = obj switch
        {
            V1SelfSubjectReview review => identity.Review(review, user),
            V1TokenReview review => await identity.ReviewAsync(review),
            V1SubjectAccessReview review => access.Review(review),
            V1LocalSubjectAccessReview review => access.Review(review, ns ?? string.Empty),
            V1SelfSubjectAccessReview review => access.Review(review, user),
            V1SelfSubjectRulesReview review => access.Review(review, user),
            _ => throw StatusErrors.NotFoundPlain(),
        };

        // Upstream stamps the answer's creation time (a review is never stored, so it has no name, uid or version).
        // The answer is the decoded request, whose kind and apiVersion DecodeBody already set from the URL.
        answer.Metadata ??= new V1ObjectMeta();
        answer.Metadata.CreationTimestamp = time.GetUtcNow().UtcDateTime;
        await ResponseWriter.WriteJsonAsync(ctx, 201, ModelJson.Serialize(answer));
    }
}
