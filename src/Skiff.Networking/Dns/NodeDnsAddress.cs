using System.Diagnostics;
using System.Net;
using Microsoft.Extensions.Logging;

namespace Skiff.Networking.Dns;

/// <summary>
/// Puts the cluster DNS address on the node so that pods reach the node's DNS server there: on a dummy interface
/// (<c>skiff-dns0</c>, as NodeLocal DNSCache's <c>nodelocaldns</c>), or on <c>lo</c> where the kernel has no dummy
/// interfaces. Traffic from a pod to the address is routed to the host through the pod's gateway and delivered
/// locally. Removed again on a clean stop, if this process added it.
/// </summary>
public sealed class NodeDnsAddress : IAsyncDisposable
{
    public const string InterfaceName = "skiff-dns0";

    private readonly ILogger _logger;
    private string? _addedOn;
    private bool _createdInterface;

    private NodeDnsAddress(IPAddress address, ILogger logger)
    {
        Address = address;
        _logger = logger;
    }

    public IPAddress Address { get; }

    public static async Task<NodeDnsAddress> AddAsync(IPAddress address, ILogger logger, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(address);
        var added = new NodeDnsAddress(address, logger);
        var prefix = address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "/128" : "/32";
        var (ok, output) = await IpAsync(cancellationToken, "-o", "addr", "show", "to", address + prefix);
        if (ok && output.Contains(address.ToString(), StringComparison.Ordinal))
        {
            return added; // already there (an earlier run, or another server on this machine): leave it as found
        }

        var device = InterfaceName;
        var (created, _) = await IpAsync(cancellationToken, "link", "add", InterfaceName, "type", "dummy");
        var (exists, _) = await IpAsync(cancellationToken, "link", "show", InterfaceName);
        if (exists)
        {
            added._createdInterface = created;
            await IpAsync(cancellationToken, "link", "set", InterfaceName, "up");
        }
        else
        {
            device = "lo";
        }

        var (assigned, error) = await IpAsync(cancellationToken, "addr", "add", address + prefix, "dev", device);
        if (!assigned)
        {
            throw new IOException($"cannot add the cluster DNS address {address} to {device}: {error.Trim()}");
        }

        added._addedOn = device;
        logger.LogInformation("cluster DNS address {Address} added to {Device}", address, device);
        return added;
    }

    public async ValueTask DisposeAsync()
    {
        var prefix = Address.AddressFamily == System.Net.Sockets.AddressFamily.InterNetworkV6 ? "/128" : "/32";
        if (_createdInterface)
        {
            await IpAsync(CancellationToken.None, "link", "del", InterfaceName);
        }
        else if (_addedOn is { } device)
        {
            await IpAsync(CancellationToken.None, "addr", "del", Address + prefix, "dev", device);
        }

        if (_addedOn is not null)
        {
            _logger.LogInformation("cluster DNS address {Address} removed", Address);
        }
    }

    private static async Task<(bool Ok, string Output)> IpAsync(CancellationToken cancellationToken, params string[] args)
    {
        var start = new ProcessStartInfo("ip") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        try
        {
            using var process = Process.Start(start)!;
            var output = process.StandardOutput.ReadToEndAsync(cancellationToken);
            var error = process.StandardError.ReadToEndAsync(cancellationToken);
            await process.WaitForExitAsync(cancellationToken);
            return (process.ExitCode == 0, await output + await error);
        }
        catch (System.ComponentModel.Win32Exception e)
        {
            return (false, e.Message);
        }
    }
}
