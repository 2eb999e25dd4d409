using System.Net.Http;
using System.Net.Sockets;
using Grpc.Core;
using Skiff.Storage.Etcd;

namespace Skiff.Storage.Tests;

public sealed class EtcdRetryTests
{
    private static RpcException Failure(StatusCode code, string detail, Exception? debug = null) =>
        new(new Status(code, detail, debug));

    [Fact]
    public void A_read_is_retried_on_any_unavailable()
    {
        Assert.True(EtcdRetry.IsSafe(Failure(StatusCode.Unavailable, "etcdserver: leader changed"), repeatable: true));
        Assert.True(EtcdRetry.IsSafe(Failure(StatusCode.Unavailable, "Error while copying content to a stream."), repeatable: true));
    }

    [Fact]
    public void A_write_is_retried_only_when_no_member_can_have_applied_it()
    {
        Assert.True(EtcdRetry.IsSafe(Failure(StatusCode.Unavailable, "etcdserver: no leader"), repeatable: false));
        var refused = new HttpRequestException("Connection refused (127.0.0.1:2379)", new SocketException((int)SocketError.ConnectionRefused));
        Assert.True(EtcdRetry.IsSafe(Failure(StatusCode.Unavailable, "Error starting gRPC call.", refused), repeatable: false));

        // Sent, then cut off or dropped by a leader change: it may have been applied.
        Assert.False(EtcdRetry.IsSafe(Failure(StatusCode.Unavailable, "etcdserver: leader changed"), repeatable: false));
        var reset = new IOException("The response ended prematurely.", new SocketException((int)SocketError.ConnectionReset));
        Assert.False(EtcdRetry.IsSafe(Failure(StatusCode.Unavailable, "Error reading the response.", reset), repeatable: false));
    }

    [Fact]
    public void Other_codes_are_never_retried()
    {
        Assert.False(EtcdRetry.IsSafe(Failure(StatusCode.DeadlineExceeded, "context deadline exceeded"), repeatable: true));
        Assert.False(EtcdRetry.IsSafe(Failure(StatusCode.InvalidArgument, "etcdserver: mvcc: required revision has been compacted"), repeatable: true));
    }

    [Fact]
    public void Backoff_grows_by_25_ms_to_half_a_second()
    {
        Assert.Equal(TimeSpan.FromMilliseconds(25), EtcdRetry.Delay(1));
        Assert.Equal(TimeSpan.FromMilliseconds(100), EtcdRetry.Delay(4));
        Assert.Equal(TimeSpan.FromMilliseconds(500), EtcdRetry.Delay(40));
    }
}
