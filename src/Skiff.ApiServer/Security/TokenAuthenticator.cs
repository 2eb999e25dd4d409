using System.Collections.Concurrent;
using System.Security.Cryptography;
using System.Text;

namespace Skiff.ApiServer.Security;

/// <summary>Static bearer tokens (for agents joining the cluster). Tokens are compared by their SHA-256 digest.</summary>
public sealed class TokenAuthenticator
{
    private readonly ConcurrentDictionary<string, UserInfo> _users = new(StringComparer.Ordinal);

    /// <summary>Accepts <paramref name="token"/> as <paramref name="user"/> from now on.</summary>
    public void Add(string token, UserInfo user)
    {
        ArgumentException.ThrowIfNullOrEmpty(token);
        _users[Digest(token)] = user;
    }

    public bool Remove(string token) => _users.TryRemove(Digest(token), out _);

    public UserInfo? Authenticate(string token) =>
        token.Length > 0 && _users.TryGetValue(Digest(token), out var user) ? user : null;

    private static string Digest(string token) => Convert.ToHexString(SHA256.HashData(Encoding.UTF8.GetBytes(token)));
}
