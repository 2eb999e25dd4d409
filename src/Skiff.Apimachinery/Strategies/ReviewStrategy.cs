using k8s;
using k8s.Models;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>
/// The review kinds (TokenReview, SelfSubjectReview, SubjectAccessReview and its local, self and rules forms) are
/// never stored: the API server answers a create with the verdict. Upstream does not validate their metadata, so
/// neither does this strategy; their spec rules live with the handler that answers them.
/// </summary>
public sealed class ReviewStrategy<T>(bool namespaced) : ResourceStrategy<T>(namespaced, AnyName, hasStatusSubresource: false, tracksGeneration: false)
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    private static IReadOnlyList<string> AnyName(string name, bool prefix) => [];
}
