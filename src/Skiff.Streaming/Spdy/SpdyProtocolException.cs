namespace Skiff.Streaming.Spdy;

/// <summary>A SPDY peer sent bytes that are not valid SPDY/3.1; the connection is unusable.</summary>
public sealed class SpdyProtocolException : Exception
{
    public SpdyProtocolException()
    {
    }

    public SpdyProtocolException(string message)
        : base(message)
    {
    }

    public SpdyProtocolException(string message, Exception innerException)
        : base(message, innerException)
    {
    }
}
