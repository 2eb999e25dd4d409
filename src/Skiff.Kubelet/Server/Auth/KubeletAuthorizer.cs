namespace Skiff.Kubelet.Server.Auth;

/// <summary>
/// The kubelet's authorization: upstream's <c>--authorization-mode=Webhook</c> (every request is a
/// SubjectAccessReview on <c>nodes/&lt;subresource&gt;</c> of this node) or, with no reviews to ask,
/// <c>AlwaysAllow</c> (upstream's default when not configured).
/// </summary>
public sealed class KubeletAuthorizer(IKubeletReviews? reviews)
{
    public bool IsWebhook => reviews is not null;

    public Task<bool> AuthorizeAsync(KubeletRequestAttributes attributes, CancellationToken cancellationToken) =>
        reviews is null ? Task.FromResult(true) : reviews.ReviewAccessAsync(attributes, cancellationToken);
}
