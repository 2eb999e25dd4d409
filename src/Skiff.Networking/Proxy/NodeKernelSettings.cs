using Microsoft.Extensions.Logging;

namespace Skiff.Networking.Proxy;

/// <summary>
/// The kernel settings a node's service proxy needs, checked and set when the node starts: IPv4 forwarding (pods'
/// traffic is routed through the node), <c>br_netfilter</c> with <c>net.bridge.bridge-nf-call-iptables=1</c> (so
/// that a reply bridged between two pods on one bridge still meets conntrack and is un-DNATed, as kube-proxy
/// requires), and <c>route_localnet</c> (all interfaces, as kube-proxy's iptables mode), so that a NodePort answers on 127.0.0.1 (the masquerade
/// of NodePort traffic rewrites the loopback source before the packet leaves).
/// </summary>
public static class NodeKernelSettings
{
    public static async Task EnsureAsync(string? bridgeName, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(logger);
        await SetAsync("/proc/sys/net/ipv4/ip_forward", logger, cancellationToken);
        const string bridgeCall = "/proc/sys/net/bridge/bridge-nf-call-iptables";
        if (!File.Exists(bridgeCall))
        {
            await ModprobeAsync(logger, cancellationToken);
        }

        await SetAsync(bridgeCall, logger, cancellationToken);
        if (!string.IsNullOrEmpty(bridgeName))
        {
            // The bridge appears with the node's first pod, often after this runs: the "all" switch (the kernel
            // ORs it with the interface's) is what kube-proxy's iptables mode sets for NodePorts on 127.0.0.1.
            await SetAsync("/proc/sys/net/ipv4/conf/all/route_localnet", logger, cancellationToken);
        }
    }

    private static async Task SetAsync(string path, ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            if (File.Exists(path) && (await File.ReadAllTextAsync(path, cancellationToken)).Trim() != "1")
            {
                await File.WriteAllTextAsync(path, "1\n", cancellationToken);
                logger.LogInformation("set {Setting} = 1", path);
            }
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            logger.LogWarning(e, "could not set {Setting} = 1; Service traffic may not flow", path);
        }
    }

    private static async Task ModprobeAsync(ILogger logger, CancellationToken cancellationToken)
    {
        try
        {
            using var process = System.Diagnostics.Process.Start("modprobe", "br_netfilter");
            await process.WaitForExitAsync(cancellationToken);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            logger.LogWarning(e, "modprobe br_netfilter failed");
        }
    }
}
