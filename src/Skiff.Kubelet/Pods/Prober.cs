using System.Net.Sockets;
using Grpc.Core;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Pods;

/// <summary>exec probes through CRI ExecSync, httpGet and tcpSocket probes against the pod IP, as the kubelet runs them.</summary>
public sealed class Prober(IRuntimeService runtime, HttpClient http, ILogger<Prober> logger) : IProber
{
    public async Task<bool> ProbeAsync(
        V1Probe probe, V1Container container, string containerId, string? podIp, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(probe);
        ArgumentNullException.ThrowIfNull(container);
        var timeout = TimeSpan.FromSeconds(Math.Max(1, probe.TimeoutSeconds ?? 1));
        try
        {
            if (probe.Exec is { } exec)
            {
                var response = await runtime.ExecSyncAsync(
                    containerId, (exec.Command ?? []).ToList(), (long)timeout.TotalSeconds, cancellationToken);
                return response.ExitCode == 0;
            }

            using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeoutSource.CancelAfter(timeout);
            if (probe.HttpGet is { } httpGet)
            {
                var host = string.IsNullOrEmpty(httpGet.Host) ? podIp : httpGet.Host;
                if (host is null)
                {
                    return false;
                }

                var port = PortOf(httpGet.Port, container);
                var scheme = string.Equals(httpGet.Scheme, "HTTPS", StringComparison.OrdinalIgnoreCase) ? "https" : "http";
                var path = string.IsNullOrEmpty(httpGet.Path) ? "/" : httpGet.Path;
                if (!path.StartsWith('/'))
                {
                    path = "/" + path;
                }

                using var request = new HttpRequestMessage(HttpMethod.Get, new Uri($"{scheme}://{host}:{port}{path}"));
                request.Headers.UserAgent.ParseAdd("kube-probe/1.32");
                foreach (var header in httpGet.HttpHeaders ?? [])
                {
                    request.Headers.TryAddWithoutValidation(header.Name, header.Value);
                }

                using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeoutSource.Token);
                var code = (int)response.StatusCode;
                return code is >= 200 and < 400;
            }

            if (probe.TcpSocket is { } tcp)
            {
                var host = string.IsNullOrEmpty(tcp.Host) ? podIp : tcp.Host;
                if (host is null)
                {
                    return false;
                }

                using var client = new TcpClient();
                await client.ConnectAsync(host, PortOf(tcp.Port, container), timeoutSource.Token);
                return true;
            }

            logger.LogWarning("probe of container {Container} has no supported handler (exec, httpGet, tcpSocket)", container.Name);
            return false;
        }
        catch (RpcException e)
        {
            logger.LogDebug("exec probe of {Container} failed: {Error}", container.Name, e.Status.Detail);
            return false;
        }
        catch (Exception e) when (!cancellationToken.IsCancellationRequested
            && e is HttpRequestException or SocketException or OperationCanceledException or IOException)
        {
            return false;
        }
    }

    /// <summary>A numeric port, or the containerPort of the named port.</summary>
    public static int PortOf(IntOrString port, V1Container container)
    {
        ArgumentNullException.ThrowIfNull(port);
        ArgumentNullException.ThrowIfNull(container);
        if (int.TryParse(port.Value, out var number))
        {
            return number;
        }

        return (container.Ports ?? []).FirstOrDefault(p => p.Name == port.Value)?.ContainerPort
            ?? throw new InvalidOperationException($"container {container.Name} has no port named {port.Value}");
    }
}
