using k8s.Models;

namespace Skiff.ApiServer.Proxy;

/// <summary>Where a node's kubelet serves: its preferred address and <c>status.daemonEndpoints.kubeletEndpoint.Port</c>.</summary>
public sealed record KubeletEndpoint(string Host, int Port)
{
    public const int DefaultPort = 10250;

    /// <summary>InternalIP first, then Hostname, then ExternalIP, like the API server's default preference; null when the node reports none.</summary>
    public static KubeletEndpoint? FromNode(V1Node node)
    {
        ArgumentNullException.ThrowIfNull(node);
        var addresses = node.Status?.Addresses ?? [];
        var host = new[] { "InternalIP", "Hostname", "ExternalIP" }
            .Select(type => addresses.FirstOrDefault(a => a.Type == type && !string.IsNullOrEmpty(a.Address))?.Address)
            .FirstOrDefault(a => a is not null);
        if (host is null)
        {
            return null;
        }

        var port = node.Status?.DaemonEndpoints?.KubeletEndpoint?.Port is > 0 and var p ? p : DefaultPort;
        return new KubeletEndpoint(host, port);
    }

    public Uri Uri(string scheme, string pathAndQuery)
    {
        var host = Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host;
        return new Uri($"{scheme}://{host}:{Port}{pathAndQuery}");
    }
}
