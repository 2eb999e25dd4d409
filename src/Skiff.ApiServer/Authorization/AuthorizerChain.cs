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
}
