using System.Globalization;
using System.Net.Sockets;
using System.Text;

namespace Skiff.Streaming.Spdy;

/// <summary>
/// Opens a SPDY/3.1 connection to a Kubernetes streaming server (containerd's CRI stream server) with an HTTP/1.1
/// <c>POST</c> upgrade, the way kubelet's clients do. Plain http only: the runtime's stream server listens on loopback.
/// </summary>
public static class SpdyUpgradeClient
{
    /// <summary>Upgrades and returns the client SPDY connection (not yet running) and the protocol the server chose.</summary>
    public static async Task<(SpdyConnection Connection, string Protocol)> ConnectAsync(Uri url, string protocol, CancellationToken cancellationToken)
    {
        if (url.Scheme != "http")
        {
            throw new NotSupportedException($"streaming URL {url} is not plain http");
        }

        var tcp = new TcpClient { NoDelay = true };
        try
        {
            await tcp.ConnectAsync(url.Host, url.Port, cancellationToken);
            var stream = tcp.GetStream();
            var request = $"POST {url.PathAndQuery} HTTP/1.1\r\nHost: {url.Authority}\r\nConnection: Upgrade\r\nUpgrade: SPDY/3.1\r\n" +
                $"X-Stream-Protocol-Version: {protocol}\r\nContent-Length: 0\r\n\r\n";
            await stream.WriteAsync(Encoding.ASCII.GetBytes(request), cancellationToken);
            var head = await ReadHeadAsync(stream, cancellationToken);
            var lines = head.Split("\r\n");
            var statusParts = lines[0].Split(' ', 3);
            var code = statusParts.Length > 1 ? int.Parse(statusParts[1], CultureInfo.InvariantCulture) : 0;
            if (code != 101)
            {
                var body = new byte[4096];
                var n = await ReadSomeAsync(stream, body, cancellationToken);
                throw new IOException($"streaming server refused the upgrade: {lines[0]} {Encoding.UTF8.GetString(body, 0, n).Trim()}");
            }

            var chosen = lines.Skip(1)
                .Select(l => l.Split(':', 2))
                .Where(p => p.Length == 2 && p[0].Trim().Equals("X-Stream-Protocol-Version", StringComparison.OrdinalIgnoreCase))
                .Select(p => p[1].Trim())
                .FirstOrDefault() ?? protocol;
            return (new SpdyConnection(new OwnedNetworkStream(stream, tcp), isServer: false), chosen);
        }
        catch
        {
            tcp.Dispose();
            throw;
        }
    }

    private static async Task<int> ReadSomeAsync(Stream stream, byte[] buffer, CancellationToken cancellationToken)
    {
        using var timeout = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
        timeout.CancelAfter(TimeSpan.FromSeconds(2));
        try
        {
            return await stream.ReadAsync(buffer, timeout.Token);
        }
        catch (OperationCanceledException) when (!cancellationToken.IsCancellationRequested)
        {
            return 0;
        }
    }

    /// <summary>Reads the response head byte by byte so not one byte of the SPDY stream after it is consumed.</summary>
    private static async Task<string> ReadHeadAsync(Stream stream, CancellationToken cancellationToken)
    {
        var head = new List<byte>(256);
        var one = new byte[1];
        while (head.Count < 16 * 1024)
        {
            if (await stream.ReadAsync(one, cancellationToken) == 0)
            {
                throw new IOException("streaming server closed the connection during the upgrade");
            }

            head.Add(one[0]);
            if (head.Count >= 4 && head[^1] == '\n' && head[^2] == '\r' && head[^3] == '\n' && head[^4] == '\r')
            {
                return Encoding.ASCII.GetString(head.ToArray(), 0, head.Count - 4);
            }
        }

        throw new IOException("streaming server sent an oversized response head");
    }

    /// <summary>A network stream that also disposes its TcpClient.</summary>
    private sealed class OwnedNetworkStream(NetworkStream inner, TcpClient client) : Stream
    {
        public override bool CanRead => true;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => throw new NotSupportedException();
        public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

        public override void Flush() => inner.Flush();
        public override Task FlushAsync(CancellationToken cancellationToken) => inner.FlushAsync(cancellationToken);
        public override int Read(byte[] buffer, int offset, int count) => inner.Read(buffer, offset, count);
        public override ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default) => inner.ReadAsync(buffer, cancellationToken);
        public override ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default) => inner.WriteAsync(buffer, cancellationToken);
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => inner.Write(buffer, offset, count);

        protected override void Dispose(bool disposing)
        {
            if (disposing)
            {
                inner.Dispose();
                client.Dispose();
            }

            base.Dispose(disposing);
        }
    }
}
