using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Kubelet.Server.Auth;

/// <summary><see cref="IKubeletReviews"/> through the API server: <c>authentication.k8s.io/v1</c> TokenReview and
/// <c>authorization.k8s.io/v1</c> SubjectAccessReview, created with the kubelet's own credential (the
/// <c>system:node</c> rules grant both).</summary>
public sealed class ApiKubeletReviews(IApiClient api) : IKubeletReviews
{
    public async Task<KubeletUser?> ReviewTokenAsync(string token, CancellationToken cancellationToken)
    {
        var review = await api.CreateAsync(
            new V1TokenReview { ApiVersion = "authentication.k8s.io/v1", Kind = "TokenReview", Metadata = new V1ObjectMeta(), Spec = new V1TokenReviewSpec { Token = token } },
            cancellationToken);
        if (review.Status is not { Authenticated: true, User.Username: { Length: > 0 } name } status)
        {
            return null;
        }

        var extra = (status.User.Extra ?? new Dictionary<string, IList<string>>())
            .ToDictionary(kv => kv.Key, kv => (IReadOnlyList<string>)[.. kv.Value], StringComparer.Ordinal);
        return new KubeletUser(name, status.User.Uid, KubeletUser.WithAuthenticatedGroup(status.User.Groups ?? []), extra);
    }

    public async Task<bool> ReviewAccessAsync(KubeletRequestAttributes attributes, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(attributes);
        var user = attributes.User;
        var review = await api.CreateAsync(
            new V1SubjectAccessReview
            {
                ApiVersion = "authorization.k8s.io/v1",
                Kind = "SubjectAccessReview",
                Metadata = new V1ObjectMeta(),
                Spec = new V1SubjectAccessReviewSpec
                {
                    User = user.Name,
                    Uid = user.Uid,
                    Groups = [.. user.Groups],
                    Extra = user.Extra.Count == 0 ? null : user.Extra.ToDictionary(kv => kv.Key, kv => (IList<string>)[.. kv.Value]),
                    ResourceAttributes = new V1ResourceAttributes
                    {
                        Verb = attributes.Verb,
                        Version = "v1",
                        Resource = KubeletRequestAttributes.Resource,
                        Subresource = attributes.Subresource,
                        Name = attributes.NodeName,
                    },
                },
            },
            cancellationToken);
        return review.Status?.Allowed == true;
    }
}
