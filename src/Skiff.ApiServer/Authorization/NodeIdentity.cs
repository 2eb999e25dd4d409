using Skiff.ApiServer.Security;

namespace Skiff.ApiServer.Authorization;

/// <summary>Upstream's default node identifier: a user in group <c>system:nodes</c> named <c>system:node:&lt;name&gt;</c>.</summary>
public static class NodeIdentity
{
    public const string Group = "system:nodes";
    public const string UserPrefix = "system:node:";

    /// <summary>Whether the user is a node, and its node name (empty when the user name does not say).</summary>
    public static (bool IsNode, string NodeName) Of(string user, IReadOnlyList<string> groups)
    {
        var inGroup = false;
        foreach (var group in groups)
        {
            if (group == Group)
            {
                inGroup = true;
                break;
            }
        }

        if (!inGroup)
        {
            return (false, string.Empty);
        }

        return (true, user.StartsWith(UserPrefix, StringComparison.Ordinal) ? user[UserPrefix.Length..] : string.Empty);
    }

    public static (bool IsNode, string NodeName) Of(UserInfo user) => Of(user.Name, user.Groups);
}
