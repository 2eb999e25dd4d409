namespace Skiff.ApiServer.Security;

/// <summary>
/// Upstream's anonymous authenticator (<c>--anonymous-auth</c>, on by default): a request that presents no credentials
/// at all acts as <c>system:anonymous</c> in the one group <c>system:unauthenticated</c> (never
/// <c>system:authenticated</c>) and is authorized like any user: the bootstrap <c>system:public-info-viewer</c> binding
/// lets it read /healthz, /livez, /readyz and /version. Credentials that fail to authenticate are still a 401.
/// </summary>
public static class AnonymousUser
{
    public const string Name = "system:anonymous";
    public const string Group = "system:unauthenticated";

    public static UserInfo Info { get; } = new(Name, [Group]);
}
