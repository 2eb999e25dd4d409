namespace Skiff.Kubelet.Server.Auth;

/// <summary>Who called the kubelet's HTTPS port, as its authenticator found out (a client certificate's CN and O,
/// or the user a TokenReview returned).</summary>
public sealed record KubeletUser(string Name, string? Uid, IReadOnlyList<string> Groups, IReadOnlyDictionary<string, IReadOnlyList<string>> Extra)
{
    /// <summary>Every authenticated caller is in this group (upstream's AuthenticatedGroupAdder).</summary>
    public const string AuthenticatedGroup = "system:authenticated";

    public static KubeletUser Of(string name, IEnumerable<string> groups) =>
        new(name, null, WithAuthenticatedGroup(groups), new Dictionary<string, IReadOnlyList<string>>());

    internal static IReadOnlyList<string> WithAuthenticatedGroup(IEnumerable<string> groups)
    {
        var list = groups.ToList();
        if (!list.Contains(AuthenticatedGroup, StringComparer.Ordinal))
        {
            list.Add(AuthenticatedGroup);
        }

        return list;
    }
}
