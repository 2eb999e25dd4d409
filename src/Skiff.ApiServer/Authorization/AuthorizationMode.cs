namespace Skiff.ApiServer.Authorization;

/// <summary>The authorizer the chain asks after the privileged group (upstream's <c>--authorization-mode</c>).</summary>
public enum AuthorizationMode
{
    Rbac,
    AlwaysAllow,
}
