namespace Skiff.ApiServer.Authorization;

/// <summary>One link of the authorizer chain (upstream's authorizer.Authorizer).</summary>
public interface IAuthorizer
{
    /// <summary>The decision and, when there is one worth telling, the reason (appended to the 403 message).</summary>
    (Decision Decision, string Reason) Authorize(AuthorizationAttributes attributes);
}
