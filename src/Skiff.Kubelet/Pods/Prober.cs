using System.Net.Sockets;
using Grpc.Core;
using k8s.Models;
using Microsoft.Extensions.Logging;
using Skiff.Kubelet.Runtime;

namespace Skiff.Kubelet.Pods;

/// <summary>exec probes through CRI ExecSync, httpGet and tcpSocket probes against the pod IP, as the kubelet runs them.</summary>
public sealed class Prober(IRuntimeService runtime, HttpClient http, ILogger<Prober> logger) : IProber
{
    public async Task<ProbeAttempt> ProbeAsync(
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
                return response.ExitCode == 0
                    ? ProbeAttempt.Success
                    : ProbeAttempt.Failure((response.Stdout.ToStringUtf8() + response.Stderr.ToStringUtf8()).TrimEnd());
            }

            using var timeoutSource = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
            timeoutSource.CancelAfter(timeout);
            if (probe.HttpGet is { } httpGet)
            {
                var host = string.IsNullOrEmpty(httpGet.Host) ? podIp : httpGet.Host;
                if (host is null)
                {
                    return ProbeAttempt.Failure("the pod has no IP yet");
                }

                var port = PortOf(httpGet.Port, container);
                var scheme = string.Equals(httpGet.Scheme, "HTTPS", StringComparison.OrdinalIgnoreCase) ? "https" : "http";
                var path = string.IsNullOrEmpty(httpGet.Path) ? "/" : httpGet.Path;
                if (!path.StartsWith('/'))
                {
                    path = "/" + path;
                }

                var url = new Uri($"{scheme}://{host}:{port}{path}");
                using var request = new HttpRequestMessage(HttpMethod.Get, url);
                request.Headers.UserAgent.ParseAdd("kube-probe/1.32");
                foreach (var header in httpGet.HttpHeaders ?? [])
                {
                    request.Headers.TryAddWithoutValidation(header.Name, header.Value);
                }

                try
                {
                    using var response = await http.SendAsync(request, HttpCompletionOption.ResponseHeadersRead, timeoutSource.Token);
                    var code = (int)response.StatusCode;
                    return code is >= 200 and < 400 ? ProbeAttempt.Success : ProbeAttempt.Failure($"HTTP probe failed with statuscode: {code}");
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is HttpRequestException or OperationCanceledException or IOException)
                {
                    // Go's shape: Get "http://10.88.0.5:80/": <why>.
                    var why = e is OperationCanceledException ? "context deadline exceeded (Client.Timeout exceeded while awaiting headers)" : e.Message;
                    return ProbeAttempt.Failure($"Get \"{url}\": {why}");
                }
            }

            if (probe.TcpSocket is { } tcp)
            {
                var host = string.IsNullOrEmpty(tcp.Host) ? podIp : tcp.Host;
                if (host is null)
                {
                    return ProbeAttempt.Failure("the pod has no IP yet");
                }

                var tcpPort = PortOf(tcp.Port, container);
                try
                {
                    using var client = new TcpClient();
                    await client.ConnectAsync(host, tcpPort, timeoutSource.Token);
                    return ProbeAttempt.Success;
                }
                catch (Exception e) when (!cancellationToken.IsCancellationRequested && e is SocketException or OperationCanceledException or IOException)
                {
                    var why = e is OperationCanceledException ? "i/o timeout" : e.Message;
                    return ProbeAttempt.Failure($"dial tcp {host}:{tcpPort}: {why}");
                }
            }

            logger.LogWarning("probe of container {Container} has no supported handler (exec, httpGet, tcpSocket)", container.Name);
            return ProbeAttempt.Failure("the probe has no supported handler (exec, httpGet, tcpSocket)");
        }
        catch (RpcException e)
        {
            logger.LogDebug("exec probe of {Container} failed: {Error}", container.Name, e.Status.Detail);
            return ProbeAttempt.Failure(e.StatusCode == StatusCode.DeadlineExceeded ? "command timed out" : e.Status.Detail);
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
