using System.Globalization;

namespace Skiff.EndToEnd.Tests.MultiNode;

/// <summary>
/// Separate "machines" on one test LAN, all in network namespaces the test makes: a "lan" namespace holding a Linux
/// bridge, and per host a namespace plugged into it by a veth pair (its <c>eth0</c>, address 10.207.0.N/24). With
/// <see cref="Routed"/> the hosts are on two links instead (10.207.0.0/24 and 10.207.1.0/24) joined by a router
/// namespace, so no host shares a link with a host of the other side (host-gw cannot work, an overlay can).
/// Names carry a random suffix so parallel runs never meet; no address here is reachable from outside.
/// </summary>
internal sealed class TestHosts : IAsyncDisposable
{
    private readonly string _suffix = Random.Shared.Next(0x10000, 0xfffff).ToString("x5", CultureInfo.InvariantCulture);
    private readonly List<string> _namespaces = [];

    private TestHosts(int count, bool routed)
    {
        Count = count;
        Routed = routed;
    }

    public int Count { get; }

    /// <summary>Hosts are split over two links joined by a router (host 0 alone on the first).</summary>
    public bool Routed { get; }

    public string Lan(int side) => $"skmn-lan{side.ToString(CultureInfo.InvariantCulture)}-{_suffix}";

    public string Router => "skmn-rt-" + _suffix;

    /// <summary>The network namespace of host <paramref name="index"/>.</summary>
    public string Host(int index) => $"skmn-h{index.ToString(CultureInfo.InvariantCulture)}-{_suffix}";

    /// <summary>The address of host <paramref name="index"/> on its link.</summary>
    public string Address(int index) => Routed && index > 0
        ? $"10.207.1.{(index + 1).ToString(CultureInfo.InvariantCulture)}"
        : $"10.207.0.{(index + 1).ToString(CultureInfo.InvariantCulture)}";

    public static async Task<TestHosts> CreateAsync(int count, bool routed = false)
    {
        var hosts = new TestHosts(count, routed);
        try
        {
            await hosts.BuildAsync();
        }
        catch
        {
            await hosts.DisposeAsync();
            throw;
        }

        return hosts;
    }

    private async Task BuildAsync()
    {
        var sides = Routed ? 2 : 1;
        for (var side = 0; side < sides; side++)
        {
            await AddNamespaceAsync(Lan(side));
            await IpAsync("-n", Lan(side), "link", "add", "br0", "type", "bridge");
            await IpAsync("-n", Lan(side), "link", "set", "br0", "up");
        }

        if (Routed)
        {
            await AddNamespaceAsync(Router);
            await SysctlAsync(Router, "net.ipv4.ip_forward=1");
            await PlugAsync(Router, 0, "r0", "10.207.0.254/24");
            await PlugAsync(Router, 1, "r1", "10.207.1.254/24", "eth1");
        }

        for (var i = 0; i < Count; i++)
        {
            var side = Routed && i > 0 ? 1 : 0;
            await AddNamespaceAsync(Host(i));
            await PlugAsync(Host(i), side, "h" + i.ToString(CultureInfo.InvariantCulture), Address(i) + "/24");
            await SysctlAsync(Host(i), "net.ipv4.ip_forward=1");
            if (Routed)
            {
                await IpAsync("-n", Host(i), "route", "add", "default", "via", side == 0 ? "10.207.0.254" : "10.207.1.254");
            }
        }
    }

    /// <summary>The routes of <paramref name="host"/> with Skiff's protocol (151), one per line.</summary>
    public async Task<string> SkiffRoutesAsync(int host) => await IpAsync("-n", Host(host), "route", "show", "proto", "151");

    public static async Task<string> IpAsync(params string[] arguments)
    {
        var result = await ProcessRunner.RunAsync("ip", arguments, null, TimeSpan.FromSeconds(20), CancellationToken.None);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"ip {string.Join(' ', arguments)}: {result}");
        }

        return result.Stdout;
    }

    public async ValueTask DisposeAsync()
    {
        foreach (var ns in Enumerable.Reverse(_namespaces))
        {
            await ProcessRunner.RunAsync("ip", ["netns", "delete", ns], null, TimeSpan.FromSeconds(20), CancellationToken.None);
        }
    }

    private async Task AddNamespaceAsync(string ns)
    {
        await IpAsync("netns", "add", ns);
        _namespaces.Add(ns);
        await IpAsync("-n", ns, "link", "set", "lo", "up");
    }

    private static async Task SysctlAsync(string ns, string setting)
    {
        var result = await ProcessRunner.RunAsync("ip", ["netns", "exec", ns, "sysctl", "-q", "-w", setting], null, TimeSpan.FromSeconds(20), CancellationToken.None);
        if (result.ExitCode != 0)
        {
            throw new InvalidOperationException($"sysctl {setting} in {ns}: {result}");
        }
    }

    private async Task PlugAsync(string ns, int side, string tag, string address, string device = "eth0")
    {
        var lanSide = $"skmn{tag}{_suffix}";
        await IpAsync("-n", Lan(side), "link", "add", lanSide, "type", "veth", "peer", "name", device, "netns", ns);
        await IpAsync("-n", Lan(side), "link", "set", lanSide, "master", "br0");
        await IpAsync("-n", Lan(side), "link", "set", lanSide, "up");
        await IpAsync("-n", ns, "addr", "add", address, "dev", device);
        await IpAsync("-n", ns, "link", "set", device, "up");
    }
}
