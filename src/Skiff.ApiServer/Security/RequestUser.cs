namespace Skiff.ApiServer.Security;

/// <summary>
/// The authenticated user of the request being served, set by the handler after authentication and flowing with
/// the request's async calls (upstream carries it in the request's context). Null outside requests: the API
/// server's own loops (bootstrap policy, namespace finalization, ...) write without admission, as trusted code.
/// </summary>
public static class RequestUser
{
    private static readonly AsyncLocal<UserInfo?> CurrentUser = new();

    public static UserInfo? Current => CurrentUser.Value;

    /// <summary>Makes <paramref name="user"/> the current user for the rest of this async flow.</summary>
    public static void Set(UserInfo? user) => CurrentUser.Value = user;
}
