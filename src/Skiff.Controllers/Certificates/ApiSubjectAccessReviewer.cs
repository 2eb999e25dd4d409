using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Controllers.Certificates;

/// <summary>A SubjectAccessReview created through the API (<c>authorization.k8s.io/v1</c>); its status answers.</summary>
public sealed class ApiSubjectAccessReviewer(IApiClient api) : ISubjectAccessReviewer
{
    public async Task<bool> AllowedAsync(string user, IReadOnlyList<string> groups, V1ResourceAttributes resource, CancellationToken cancellationToken)
    {
        var review = await api.CreateAsync(new V1SubjectAccessReview
        {
            ApiVersion = "authorization.k8s.io/v1",
            Kind = "SubjectAccessReview",
            Metadata = new V1ObjectMeta(),
            Spec = new V1SubjectAccessReviewSpec { User = user, Groups = [.. groups], ResourceAttributes = resource },
        }, cancellationToken);
        return review.Status?.Allowed == true;
    }
}
