using k8s.Models;

namespace Skiff.Controllers.Certificates;

/// <summary>Asks the API server whether a user may do something (a SubjectAccessReview), for controllers that act on
/// behalf of a requester, as csrapproving does.</summary>
public interface ISubjectAccessReviewer
{
    Task<bool> AllowedAsync(string user, IReadOnlyList<string> groups, V1ResourceAttributes resource, CancellationToken cancellationToken);
}
