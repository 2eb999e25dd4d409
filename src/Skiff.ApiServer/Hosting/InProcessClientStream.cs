using System.Buffers;
using System.IO.Pipelines;

namespace Skiff.ApiServer.Hosting;

/// <summary>
/// The client's end of an <see cref="InProcessTransport"/> connection: the stream <c>HttpClient</c> reads and writes as
/// it would a socket's. Closing it does what closing a socket does: a read waiting on it ends at once, and the server
/// learns the client has gone (so a watch it was serving is aborted rather than left writing to nobody).
/// </summary>
internal sealed class InProcessClientStream : Stream
{
    private const int Idle = 0, Reading = 1, Completed = 2;
    private readonly PipeReader _input;
    private readonly PipeWriter _output;
    private readonly Action _closed;
    private int _disposed;
    private int _reader = Idle;

    /// <param name="input">What the server writes.</param>
    /// <param name="output">What the server reads.</param>
    /// <param name="closed">Tells the server's end that the client closed the connection.</param>
    public InProcessClientStream(PipeReader input, PipeWriter output, Action closed)
    {
        _input = input;
        _output = output;
        _closed = closed;
    }

    public override bool CanRead => true;

    public override bool CanWrite => true;

    public override bool CanSeek => false;

    public override long Length => throw new NotSupportedException();

    public override long Position { get => throw new NotSupportedException(); set => throw new NotSupportedException(); }

    public override async ValueTask<int> ReadAsync(Memory<byte> buffer, CancellationToken cancellationToken = default)
    {
        if (Interlocked.CompareExchange(ref _reader, Reading, Idle) != Idle)
        {
            ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
            throw new InvalidOperationException("one read at a time");
        }

        try
        {
            var result = await _input.ReadAsync(cancellationToken);
            if (result.IsCanceled)
            {
                throw new IOException("the in-process connection was closed");
            }

            var data = result.Buffer;
            var count = (int)Math.Min(buffer.Length, data.Length);
            data.Slice(0, count).CopyTo(buffer.Span);
            _input.AdvanceTo(data.GetPosition(count));
            return count; // 0 only at the end: the server completed its side
        }
        finally
        {
            Interlocked.Exchange(ref _reader, Idle);
            // Closed while this read ran: the reader is this read's to complete, now that it no longer uses it.
            if (Volatile.Read(ref _disposed) == 1)
            {
                CompleteReader();
            }
        }
    }

    public override Task<int> ReadAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        ReadAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async ValueTask WriteAsync(ReadOnlyMemory<byte> buffer, CancellationToken cancellationToken = default)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        FlushResult result;
        try
        {
            result = await _output.WriteAsync(buffer, cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            // The server aborted the connection, which completes what the client writes: a socket's writer would see
            // a reset.
            throw Closed(e);
        }

        if (result.IsCompleted)
        {
            throw Closed(null);
        }
    }

    public override Task WriteAsync(byte[] buffer, int offset, int count, CancellationToken cancellationToken) =>
        WriteAsync(buffer.AsMemory(offset, count), cancellationToken).AsTask();

    public override async Task FlushAsync(CancellationToken cancellationToken)
    {
        ObjectDisposedException.ThrowIf(Volatile.Read(ref _disposed) == 1, this);
        try
        {
            await _output.FlushAsync(cancellationToken);
        }
        catch (InvalidOperationException e)
        {
            throw Closed(e);
        }
    }

    // HttpClient uses the asynchronous calls only; a synchronous one would block a thread on the other end's work.
    public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException("in-process connections are read asynchronously");

    public override void Write(byte[] buffer, int offset, int count) => throw new NotSupportedException("in-process connections are written asynchronously");

    public override void Flush()
    {
        // Every write is flushed as it is made.
    }

    public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();

    public override void SetLength(long value) => throw new NotSupportedException();

    protected override void Dispose(bool disposing)
    {
        if (Interlocked.Exchange(ref _disposed, 1) == 0)
        {
            _closed();
            _output.Complete();
            _input.CancelPendingRead();
            CompleteReader();
        }

        base.Dispose(disposing);
    }

    private static IOException Closed(Exception? inner) => new("the API server closed the in-process connection", inner);

    // Completes the reader unless a read is using it (that read completes it when it ends); exactly once.
    private void CompleteReader()
    {
        if (Interlocked.CompareExchange(ref _reader, Completed, Idle) == Idle)
        {
            _input.Complete();
        }
    }
}
