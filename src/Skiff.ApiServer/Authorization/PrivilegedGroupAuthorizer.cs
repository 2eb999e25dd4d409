namespace Skiff.ApiServer.Authorization;

/// <summary>Members of <c>system:masters</c> may do anything, whatever RBAC says (upstream's privileged group).</summary>
public sealed class PrivilegedGroupAuthorizer : IAuthorizer
{
    public const string Group = "system:masters";

    public (Decision Decision, string Reason) Authorize(AuthorizationAttributes attributes)
    {
        foreach (var group in attributes.Groups)
        {
            if (group == Group)
            {
                return (Decision.Allow, string.Empty);
            }
        }

        return (Decision.NoOpinion, string.Empty);
    }
}
