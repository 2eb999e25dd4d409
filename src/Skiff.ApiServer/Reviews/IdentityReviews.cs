using k8s.Models;
using Skiff.ApiServer.Authorization;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Reviews;

/// <summary>
/// SelfSubjectReview (<c>kubectl auth whoami</c>: who the server takes the caller for, after impersonation) and
/// TokenReview (is this bearer token valid, and whose is it: what webhooks and the kubelet's authentication ask).
/// </summary>
public sealed class IdentityReviews(RequestAuthenticator authenticator, IReadOnlyList<string> apiAudiences)
{
    public V1SelfSubjectReview Review(V1SelfSubjectReview review, UserInfo user)
    {
        review.Status = new V1SelfSubjectReviewStatus { UserInfo = ToModel(user) };
        return review;
    }

    public async Task<V1TokenReview> ReviewAsync(V1TokenReview review)
    {
        var token = review.Spec?.Token;
        if (string.IsNullOrEmpty(token))
        {
            throw StatusErrors.BadRequest("token is required for TokenReview in authentication");
        }

        var audiences = review.Spec!.Audiences is { Count: > 0 } asked ? [.. asked] : apiAudiences;
        var user = await authenticator.AuthenticateTokenAsync(token, audiences);
        review.Status = user is null
            ? new V1TokenReviewStatus { Authenticated = false, Error = "[invalid bearer token, token lookup failed]" }
            : new V1TokenReviewStatus { Authenticated = true, User = ToModel(user), Audiences = [.. audiences] };
        return review;
    }

    private static V1UserInfo ToModel(UserInfo user) => new() { Username = user.Name, Groups = [.. RequestAttributes.GroupsOf(user)] };
}
