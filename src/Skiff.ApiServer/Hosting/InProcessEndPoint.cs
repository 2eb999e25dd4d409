using System.Net;

namespace Skiff.ApiServer.Hosting;

/// <summary>The address Kestrel binds for <see cref="InProcessTransport"/>: no socket, only this process.</summary>
public sealed class InProcessEndPoint : EndPoint
{
    public override string ToString() => "in-process";
}
