namespace Skiff.ApiServer.Security;

/// <summary>Who made a request: the user name and groups (from a client certificate's CN and O, or a token).</summary>
public sealed record UserInfo(string Name, IReadOnlyList<string> Groups);
