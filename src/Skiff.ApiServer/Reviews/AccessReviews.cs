using k8s.Models;
using Skiff.Apimachinery;
using Skiff.ApiServer.Authorization;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Reviews;

/// <summary>
/// SubjectAccessReview ("may this user do that?"), its namespaced form LocalSubjectAccessReview, its
/// about-myself form SelfSubjectAccessReview (<c>kubectl auth can-i</c>) and SelfSubjectRulesReview
/// (<c>kubectl auth can-i --list</c>), asked of the same authorizer chain that guards every request, with
/// upstream's validation messages.
/// </summary>
public sealed class AccessReviews(AuthorizerChain authorizer)
{
    public V1SubjectAccessReview Review(V1SubjectAccessReview review)
    {
        var spec = review.Spec ?? new V1SubjectAccessReviewSpec();
        var errors = new List<FieldError>();
        if (!MetadataEmpty(review.Metadata, allowNamespace: false))
        {
            errors.Add(new FieldError(FieldErrorType.Invalid, "metadata", "{...}", "must be empty"));
        }

        errors.AddRange(ValidateSpec(spec.ResourceAttributes, spec.NonResourceAttributes, spec.User, spec.Groups, requireSubject: true));
        if (errors.Count > 0)
        {
            throw StatusErrors.Invalid("SubjectAccessReview", "authorization.k8s.io", string.Empty, errors);
        }

        review.Status = Decide(spec.User ?? string.Empty, [.. spec.Groups ?? []], spec.ResourceAttributes, spec.NonResourceAttributes);
        return review;
    }

    public V1LocalSubjectAccessReview Review(V1LocalSubjectAccessReview review, string ns)
    {
        var spec = review.Spec ?? new V1SubjectAccessReviewSpec();
        var errors = new List<FieldError>();
        if (!MetadataEmpty(review.Metadata, allowNamespace: true))
        {
            errors.Add(new FieldError(FieldErrorType.Invalid, "metadata", "{...}", "must be empty except for namespace"));
        }

        if (spec.NonResourceAttributes is not null)
        {
            errors.Add(new FieldError(FieldErrorType.Invalid, "spec.nonResourceAttributes", "{...}", "disallowed on this kind of request"));
        }

        errors.AddRange(ValidateSpec(spec.ResourceAttributes, spec.NonResourceAttributes, spec.User, spec.Groups, requireSubject: true));
        if (errors.Count > 0)
        {
            throw StatusErrors.Invalid("LocalSubjectAccessReview", "authorization.k8s.io", string.Empty, errors);
        }

        if (spec.ResourceAttributes!.NamespaceProperty != ns)
        {
            throw StatusErrors.BadRequest($"spec.resourceAttributes.namespace must match namespace: {ns}");
        }

        review.Status = Decide(spec.User ?? string.Empty, [.. spec.Groups ?? []], spec.ResourceAttributes, null);
        return review;
    }

    public V1SelfSubjectAccessReview Review(V1SelfSubjectAccessReview review, UserInfo user)
    {
        var spec = review.Spec ?? new V1SelfSubjectAccessReviewSpec();
        var errors = ValidateSpec(spec.ResourceAttributes, spec.NonResourceAttributes, null, null, requireSubject: false).ToList();
        if (errors.Count > 0)
        {
            throw StatusErrors.Invalid("SelfSubjectAccessReview", "authorization.k8s.io", string.Empty, errors);
        }

        review.Status = Decide(user.Name, RequestAttributes.GroupsOf(user), spec.ResourceAttributes, spec.NonResourceAttributes);
        return review;
    }

    public V1SelfSubjectRulesReview Review(V1SelfSubjectRulesReview review, UserInfo user)
    {
        var rules = authorizer.RulesFor(user.Name, RequestAttributes.GroupsOf(user), review.Spec?.NamespaceProperty ?? string.Empty);
        review.Status = new V1SubjectRulesReviewStatus
        {
            ResourceRules = [.. rules.ResourceRules],
            NonResourceRules = [.. rules.NonResourceRules],
            Incomplete = rules.Incomplete,
            EvaluationError = rules.EvaluationError,
        };
        return review;
    }

    private V1SubjectAccessReviewStatus Decide(string user, IReadOnlyList<string> groups, V1ResourceAttributes? resource, V1NonResourceAttributes? nonResource)
    {
        var attributes = resource is not null
            ? new AuthorizationAttributes
            {
                User = user,
                Groups = groups,
                Verb = resource.Verb ?? string.Empty,
                IsResourceRequest = true,
                ApiGroup = resource.Group ?? string.Empty,
                ApiVersion = resource.Version ?? string.Empty,
                Resource = resource.Resource ?? string.Empty,
                Subresource = resource.Subresource ?? string.Empty,
                Namespace = resource.NamespaceProperty ?? string.Empty,
                Name = resource.Name ?? string.Empty,
            }
            : new AuthorizationAttributes
            {
                User = user,
                Groups = groups,
                Verb = nonResource!.Verb ?? string.Empty,
                Path = nonResource.Path ?? string.Empty,
            };
        var (decision, reason) = authorizer.Authorize(attributes);
        return new V1SubjectAccessReviewStatus
        {
            Allowed = decision == Decision.Allow,
            Denied = decision == Decision.Deny ? true : null,
            Reason = reason.Length > 0 ? reason : null,
        };
    }

    /// <summary>Upstream's ValidateSubjectAccessReviewSpec (and the self form, which has no subject).</summary>
    private static IEnumerable<FieldError> ValidateSpec(V1ResourceAttributes? resource, V1NonResourceAttributes? nonResource, string? user, IList<string>? groups, bool requireSubject)
    {
        if (resource is not null && nonResource is not null)
        {
            yield return new FieldError(FieldErrorType.Invalid, "spec.nonResourceAttributes", "{...}", "cannot be specified in combination with resourceAttributes");
        }

        if (resource is null && nonResource is null)
        {
            yield return new FieldError(FieldErrorType.Invalid, "spec.resourceAttributes", "null", "exactly one of nonResourceAttributes or resourceAttributes must be specified");
        }

        if (requireSubject && string.IsNullOrEmpty(user) && (groups?.Count ?? 0) == 0)
        {
            yield return new FieldError(FieldErrorType.Invalid, "spec.user", user ?? string.Empty, "at least one of user or group must be specified");
        }
    }

    private static bool MetadataEmpty(V1ObjectMeta? meta, bool allowNamespace) =>
        meta is null || (string.IsNullOrEmpty(meta.Name) && string.IsNullOrEmpty(meta.GenerateName) && (allowNamespace || string.IsNullOrEmpty(meta.NamespaceProperty))
                         && meta.Labels is not { Count: > 0 } && meta.Annotations is not { Count: > 0 } && string.IsNullOrEmpty(meta.Uid)
                         && string.IsNullOrEmpty(meta.ResourceVersion) && meta.OwnerReferences is not { Count: > 0 } && meta.Finalizers is not { Count: > 0 });
}
