namespace Skiff.Streaming.Channels;

/// <summary>Subprotocol and stream-type names of Kubernetes' streaming APIs.</summary>
public static class StreamProtocols
{
    /// <summary>WebSocket channel protocol, version 4 (status JSON on channel 3).</summary>
    public const string ChannelV4 = "v4.channel.k8s.io";

    /// <summary>Version 5 adds the close signal (channel 255) so a client can end stdin alone.</summary>
    public const string ChannelV5 = "v5.channel.k8s.io";

    /// <summary>kubectl 1.30+ port-forward: a raw SPDY/3.1 byte stream carried in binary WebSocket messages.</summary>
    public const string SpdyPortForwardWebSocket = "SPDY/3.1+portforward.k8s.io";

    /// <summary>The port-forward protocol name in <c>X-Stream-Protocol-Version</c> for plain SPDY upgrades.</summary>
    public const string PortForward = "portforward.k8s.io";

    public const string SpdyUpgrade = "SPDY/3.1";

    public const string StreamTypeHeader = "streamType";
    public const string PortHeader = "port";
    public const string RequestIdHeader = "requestID";
}

/// <summary>Channel numbers of the WebSocket channel protocol (one byte in front of every binary message).</summary>
public static class StreamChannel
{
    public const byte Stdin = 0;
    public const byte Stdout = 1;
    public const byte Stderr = 2;
    public const byte Error = 3;
    public const byte Resize = 4;

    /// <summary>v5 only: <c>[255, channel]</c> means the sender closed that channel (kubectl: stdin at EOF).</summary>
    public const byte Close = 255;
}
