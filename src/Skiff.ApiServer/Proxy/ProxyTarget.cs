using System.Globalization;
using k8s.Models;
using Skiff.ApiServer.Http;

namespace Skiff.ApiServer.Proxy;

/// <summary>
/// Where a <c>pods/proxy</c>, <c>services/proxy</c> or <c>nodes/proxy</c> request goes, resolved as kube-apiserver's
/// ResourceLocation does for each: the <c>[scheme:]name[:port]</c> of the URL, a pod's IP and port (its first
/// container port when none is given), a ready endpoint of the Service port named or numbered in the URL (chosen at
/// random), a node's kubelet.
/// </summary>
public sealed record ProxyTarget(string Scheme, string Host, int Port)
{
    private static readonly string[] ValidSchemes = ["", "http", "https"];

    public Uri Prefix => new($"{Scheme}://{(Host.Contains(':', StringComparison.Ordinal) ? $"[{Host}]" : Host)}:{Port}");

    /// <summary>Upstream's SplitSchemeNamePort: <c>name</c>, <c>name:port</c> or <c>scheme:name:port</c>.</summary>
    public static (string Scheme, string Name, string Port)? Split(string id)
    {
        ArgumentNullException.ThrowIfNull(id);
        var parts = id.Split(':');
        var (scheme, name, port) = parts.Length switch
        {
            1 => (string.Empty, parts[0], string.Empty),
            2 => (string.Empty, parts[0], parts[1]),
            3 => (parts[0], parts[1], parts[2]),
            _ => (string.Empty, string.Empty, string.Empty),
        };
        return name.Length > 0 && ValidSchemes.Contains(scheme) ? (scheme, name, port) : null;
    }

    public static ProxyTarget ForPod(V1Pod pod, string scheme, string port)
    {
        ArgumentNullException.ThrowIfNull(pod);
        var ip = pod.Status?.PodIP;
        if (string.IsNullOrEmpty(ip) || !System.Net.IPAddress.TryParse(ip, out var address) || System.Net.IPAddress.IsLoopback(address))
        {
            throw StatusErrors.BadRequest("address not allowed");
        }

        if (port.Length == 0)
        {
            port = (pod.Spec?.Containers ?? []).SelectMany(c => c.Ports ?? []).Select(p => p.ContainerPort.ToString(CultureInfo.InvariantCulture)).FirstOrDefault() ?? string.Empty;
        }

        return new ProxyTarget(scheme.Length == 0 ? "http" : scheme, ip, ParsePort(port, 80));
    }

    /// <summary>A ready address of the Service port <paramref name="port"/> (name or number; the first port when
    /// empty) from the Service's Endpoints; 503 with upstream's messages when there is none.</summary>
    public static ProxyTarget ForService(V1Service service, V1Endpoints? endpoints, string scheme, string port, Random random)
    {
        ArgumentNullException.ThrowIfNull(service);
        ArgumentNullException.ThrowIfNull(random);
        var name = service.Metadata.Name;
        var servicePort = (service.Spec?.Ports ?? []).FirstOrDefault(p =>
            port.Length == 0 || p.Name == port || p.Port.ToString(CultureInfo.InvariantCulture) == port)
            ?? throw StatusErrors.Unavailable($"no service port \"{port}\" found for service \"{name}\"");
        var candidates = (endpoints?.Subsets ?? [])
            .SelectMany(subset => (subset.Ports ?? [])
                .Where(p => (p.Name ?? string.Empty) == (servicePort.Name ?? string.Empty))
                .SelectMany(p => (subset.Addresses ?? []).Select(a => (a.Ip, p.Port))))
            .ToList();
        if (candidates.Count == 0)
        {
            throw StatusErrors.Unavailable($"no endpoints available for service \"{name}\"");
        }

        var (ip, targetPort) = candidates[random.Next(candidates.Count)];
        return new ProxyTarget(scheme.Length == 0 ? "http" : scheme, ip, targetPort);
    }

    public static ProxyTarget ForNode(V1Node node, string scheme, string port)
    {
        ArgumentNullException.ThrowIfNull(node);
        var kubelet = KubeletEndpoint.FromNode(node)
            ?? throw StatusErrors.Unavailable($"no preferred addresses found; known addresses: []");
        return new ProxyTarget(scheme.Length == 0 ? "https" : scheme, kubelet.Host, ParsePort(port, kubelet.Port));
    }

    private static int ParsePort(string port, int fallback)
    {
        if (port.Length == 0)
        {
            return fallback;
        }

        return int.TryParse(port, NumberStyles.None, CultureInfo.InvariantCulture, out var value) && value is > 0 and < 65536
            ? value
            : throw StatusErrors.BadRequest($"invalid port \"{port}\"");
    }
}
