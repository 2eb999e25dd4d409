namespace Skiff.ApiServer.Authorization;

/// <summary>
/// Asks each authorizer in turn (upstream's union authorizer): the first Allow or Deny decides; if all have no
/// opinion the request is denied. The chain always starts with <see cref="PrivilegedGroupAuthorizer"/>.
/// </summary>
public sealed class AuthorizerChain : IAuthorizer
{
    private readonly IAuthorizer[] _authorizers;

    public AuthorizerChain(IEnumerable<IAuthorizer> authorizers)
    {
        _authorizers = [new PrivilegedGroupAuthorizer(), .. authorizers];
    }

    public (Decision Decision, string Reason) Authorize(AuthorizationAttributes attributes)
    {
        var reasons = new List<string>();
        foreach (var authorizer in _authorizers)
        {
            var (decision, reason) = authorizer.Authorize(attributes);
            if (decision != Decision.NoOpinion)
            {
                return (decision, reason);
            }

            if (reason.Length > 0)
            {
                reasons.Add(reason);
            }
        }

        return (Decision.Deny, string.Join(", ", reasons));
    }

    public bool Allows(AuthorizationAttributes attributes) => Authorize(attributes).Decision == Decision.Allow;

    /// <summary>The union of what every authorizer that can enumerate its rules grants (upstream's union rule resolver).</summary>
    public SubjectRules RulesFor(string user, IReadOnlyList<string> groups, string ns)
    {
        var resource = new List<k8s.Models.V1ResourceRule>();
        var nonResource = new List<k8s.Models.V1NonResourceRule>();
        var incomplete = false;
        var errors = new List<string>();
        foreach (var resolver in _authorizers.OfType<IRuleResolver>())
        {
            var rules = resolver.RulesFor(user, groups, ns);
            resource.AddRange(rules.ResourceRules);
            nonResource.AddRange(rules.NonResourceRules);
            incomplete |= rules.Incomplete;
            if (rules.EvaluationError is { Length: > 0 } error)
            {
                errors.Add(error);
            }
        }

        return new SubjectRules(resource, nonResource, incomplete || errors.Count > 0, errors.Count > 0 ? string.Join(", ", errors) : null);
    }
}
