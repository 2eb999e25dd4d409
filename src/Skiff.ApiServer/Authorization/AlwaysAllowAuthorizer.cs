namespace Skiff.ApiServer.Authorization;

/// <summary>Allows everything: upstream's <c>--authorization-mode=AlwaysAllow</c> (Skiff before RBAC; benchmarks).</summary>
public sealed class AlwaysAllowAuthorizer : IAuthorizer
{
    public (Decision Decision, string Reason) Authorize(AuthorizationAttributes attributes) => (Decision.Allow, string.Empty);
}
