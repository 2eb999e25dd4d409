namespace Skiff.Kubelet.Server.Auth;

/// <summary>The API server's answers the kubelet delegates to (upstream's webhook authentication and authorization
/// modes): a TokenReview for a bearer token, a SubjectAccessReview for a request.</summary>
public interface IKubeletReviews
{
    /// <summary>The user the token belongs to; null when the API server says it is not valid.</summary>
    Task<KubeletUser?> ReviewTokenAsync(string token, CancellationToken cancellationToken);

    /// <summary>Whether the API server's authorizer allows the request.</summary>
    Task<bool> ReviewAccessAsync(KubeletRequestAttributes attributes, CancellationToken cancellationToken);
}
