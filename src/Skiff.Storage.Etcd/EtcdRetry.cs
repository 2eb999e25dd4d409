using System.Net.Sockets;
using Grpc.Core;

namespace Skiff.Storage.Etcd;

/// <summary>
/// Which failed etcd calls may be sent again, as etcd's own Go client decides it: a read (Range) is repeatable, so any
/// Unavailable is retried — a killed member, a leader election; a write is retried only when no member can have
/// applied it: the member refused it for want of a leader, or the call never reached a member (connection refused).
/// Anything else (a write cut off after it was sent, "leader changed") may have been applied and goes to the caller.
/// </summary>
internal static class EtcdRetry
{
    /// <summary>Backoff between attempts: 25 ms more each time, at most 500 ms (etcd's client waits 25 ms,
    /// linearly).</summary>
    public static TimeSpan Delay(int attempt) => TimeSpan.FromMilliseconds(Math.Min(25 * attempt, 500));

    public static bool IsSafe(RpcException e, bool repeatable)
    {
        if (e.StatusCode != StatusCode.Unavailable)
        {
            return false;
        }

        return repeatable || IsNoLeader(e) || NeverSent(e);
    }

    private static bool IsNoLeader(RpcException e) =>
        (e.Status.Detail ?? string.Empty).Contains("etcdserver: no leader", StringComparison.Ordinal);

    private static bool NeverSent(RpcException e)
    {
        for (var inner = e.Status.DebugException; inner is not null; inner = inner.InnerException)
        {
            if (inner is SocketException { SocketErrorCode: SocketError.ConnectionRefused or SocketError.HostUnreachable or SocketError.NetworkUnreachable })
            {
                return true;
            }
        }

        return false;
    }
}
