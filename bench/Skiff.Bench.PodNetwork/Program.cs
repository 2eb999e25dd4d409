using System.Diagnostics;
using System.Globalization;
using System.Net;
using System.Net.Sockets;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Networking.Overlay;
using Skiff.Networking.Routes;

// Pod-to-pod TCP throughput and latency across two "hosts" on one LAN, all in network namespaces this program makes
// (a bridge namespace, hosts A 10.204.50.1 and B 10.204.50.2, one "pod" namespace behind each host): the veth link
// between the hosts, pod to pod over host-gw routes, and pod to pod over the VXLAN overlay, in the same run. The
// routes and the overlay are installed by Skiff's own RouteReconciler with the real `ip`/`bridge` commands. Each
// measurement runs this program again inside a namespace (--serve / --client): a TCP sink that counts bytes and a
// 1-byte echo. Needs root. No traffic leaves the namespaces.
// Usage: dotnet run -c Release --project bench/Skiff.Bench.PodNetwork [-- --megabytes 256 --round-trips 5000 --runs 3]
if (args.Length > 0 && args[0] == "--serve")
{
    await ServeAsync(IPAddress.Parse(args[1]));
    return;
}

if (args.Length > 0 && args[0] == "--client")
{
    await ClientAsync(IPAddress.Parse(args[1]), Arg("--megabytes", 256), Arg("--round-trips", 5000));
    return;
}

const int Port = 5201;
var runs = Arg("--runs", 3);
var suffix = Random.Shared.Next(0x10000, 0xfffff).ToString("x5", CultureInfo.InvariantCulture);
string Ns(string role) => $"skbn-{role}-{suffix}";
var made = new List<string>();
var servers = new List<Process>();
try
{
    foreach (var ns in new[] { Ns("lan"), Ns("ha"), Ns("hb"), Ns("pa"), Ns("pb") })
    {
        await Run("ip", "netns", "add", ns);
        made.Add(ns);
        await Run("ip", "-n", ns, "link", "set", "lo", "up");
    }

    await Run("ip", "-n", Ns("lan"), "link", "add", "br0", "type", "bridge");
    await Run("ip", "-n", Ns("lan"), "link", "set", "br0", "up");
    foreach (var (host, tag, address) in new[] { (Ns("ha"), "a", "10.204.50.1/24"), (Ns("hb"), "b", "10.204.50.2/24") })
    {
        await Run("ip", "-n", Ns("lan"), "link", "add", $"skbn{tag}{suffix}", "type", "veth", "peer", "name", "eth0", "netns", host);
        await Run("ip", "-n", Ns("lan"), "link", "set", $"skbn{tag}{suffix}", "master", "br0");
        await Run("ip", "-n", Ns("lan"), "link", "set", $"skbn{tag}{suffix}", "up");
        await Run("ip", "-n", host, "addr", "add", address, "dev", "eth0");
        await Run("ip", "-n", host, "link", "set", "eth0", "up");
        await Run("ip", "netns", "exec", host, "sysctl", "-q", "-w", "net.ipv4.ip_forward=1");
    }

    foreach (var (host, pod, gateway, address) in new[] { (Ns("ha"), Ns("pa"), "10.205.50.1", "10.205.50.2"), (Ns("hb"), Ns("pb"), "10.205.51.1", "10.205.51.2") })
    {
        await Run("ip", "-n", host, "link", "add", "pod0", "type", "veth", "peer", "name", "eth0", "netns", pod);
        await Run("ip", "-n", host, "addr", "add", gateway + "/24", "dev", "pod0");
        await Run("ip", "-n", host, "link", "set", "pod0", "up");
        await Run("ip", "-n", pod, "addr", "add", address + "/24", "dev", "eth0");
        await Run("ip", "-n", pod, "link", "set", "eth0", "up");
        await Run("ip", "-n", pod, "route", "add", "default", "via", gateway);
    }

    servers.Add(StartServer(Ns("hb"), "10.204.50.2"));
    servers.Add(StartServer(Ns("pb"), "10.205.51.2"));
    await Task.Delay(TimeSpan.FromSeconds(2)); // the servers start (a dotnet process each)

    var nodes = new List<V1Node> { Node("a", "10.205.50.0/24", "10.204.50.1"), Node("b", "10.205.51.0/24", "10.204.50.2") };
    Console.WriteLine($"pod network benchmark: {runs} runs each, median shown (MB/s = 10^6 bytes/s)");
    Console.WriteLine("path                      throughput MB/s   RTT p50 µs   RTT p99 µs");
    await MeasureAsync("veth link host A -> B", Ns("ha"), "10.204.50.2");

    await ReconcileBothAsync(PodNetworkBackend.HostGateway, nodes);
    await MeasureAsync("pod -> pod, host-gw", Ns("pa"), "10.205.51.2");

    await ReconcileBothAsync(PodNetworkBackend.None, nodes); // removes the host-gw routes
    await ReconcileBothAsync(PodNetworkBackend.Vxlan, nodes);
    // As Skiff's CNI config does with VXLAN in use: pod interfaces get the overlay's MTU (the link's 1500 less 50).
    var podMtu = PodMtu.For(PodNetworkBackend.Vxlan, 1500)!.Value.ToString(CultureInfo.InvariantCulture);
    foreach (var (host, pod) in new[] { (Ns("ha"), Ns("pa")), (Ns("hb"), Ns("pb")) })
    {
        await Run("ip", "-n", pod, "link", "set", "eth0", "mtu", podMtu);
        await Run("ip", "-n", host, "link", "set", "pod0", "mtu", podMtu);
    }

    await MeasureAsync("pod -> pod, vxlan", Ns("pa"), "10.205.51.2");
}
finally
{
    foreach (var server in servers)
    {
        server.Kill(entireProcessTree: true);
        await server.WaitForExitAsync();
    }

    foreach (var ns in Enumerable.Reverse(made))
    {
        await Run("ip", "netns", "delete", ns);
    }
}

async Task ReconcileBothAsync(PodNetworkBackend backend, List<V1Node> nodes)
{
    foreach (var (name, ns) in new[] { ("a", Ns("ha")), ("b", Ns("hb")) })
    {
        var reconciler = new RouteReconciler(new IpRouteTable(ns), name, NullLogger.Instance, backend == PodNetworkBackend.None ? PodNetworkBackend.HostGateway : backend, new IpVxlanTable(ns));
        // "None": reconcile host-gw against no peers, which deletes every route of ours.
        await reconciler.ReconcileAsync(backend == PodNetworkBackend.None ? nodes.Where(n => n.Metadata.Name == name) : nodes, CancellationToken.None);
    }
}

async Task MeasureAsync(string label, string clientNs, string target)
{
    var throughput = new List<double>();
    var p50 = new List<double>();
    var p99 = new List<double>();
    for (var run = 0; run < runs; run++)
    {
        var output = await Run("ip", "netns", "exec", clientNs, "dotnet", typeof(Marker).Assembly.Location, "--client", target,
            "--megabytes", Arg("--megabytes", 256).ToString(CultureInfo.InvariantCulture), "--round-trips", Arg("--round-trips", 5000).ToString(CultureInfo.InvariantCulture));
        var fields = output.Trim().Split(' ');
        throughput.Add(double.Parse(fields[0], CultureInfo.InvariantCulture));
        p50.Add(double.Parse(fields[1], CultureInfo.InvariantCulture));
        p99.Add(double.Parse(fields[2], CultureInfo.InvariantCulture));
    }

    Console.WriteLine($"{label,-25} {Median(throughput),15:F0} {Median(p50),12:F0} {Median(p99),12:F0}");
}

static double Median(List<double> values)
{
    var sorted = values.Order().ToList();
    return sorted[sorted.Count / 2];
}

Process StartServer(string ns, string address)
{
    var start = new ProcessStartInfo("ip") { UseShellExecute = false };
    foreach (var a in new[] { "netns", "exec", ns, "dotnet", typeof(Marker).Assembly.Location, "--serve", address })
    {
        start.ArgumentList.Add(a);
    }

    return Process.Start(start)!;
}

static async Task ServeAsync(IPAddress address)
{
    var listener = new TcpListener(address, Port);
    listener.Start();
    while (true)
    {
        var client = await listener.AcceptTcpClientAsync();
        _ = Task.Run(async () =>
        {
            using (client)
            {
                client.NoDelay = true;
                var stream = client.GetStream();
                var buffer = new byte[1 << 16];
                var kind = new byte[1];
                await stream.ReadExactlyAsync(kind);
                if (kind[0] == (byte)'T')
                {
                    long total = 0;
                    int read;
                    while ((read = await stream.ReadAsync(buffer)) > 0)
                    {
                        total += read;
                    }

                    await stream.WriteAsync(BitConverter.GetBytes(total));
                }
                else
                {
                    var one = new byte[1];
                    while (await stream.ReadAsync(one) == 1)
                    {
                        await stream.WriteAsync(one);
                    }
                }
            }
        });
    }
}

static async Task ClientAsync(IPAddress target, int megabytes, int roundTrips)
{
    double throughput;
    using (var sink = new TcpClient())
    {
        await sink.ConnectAsync(target, Port);
        var stream = sink.GetStream();
        var chunk = new byte[1 << 16];
        Random.Shared.NextBytes(chunk);
        await stream.WriteAsync("T"u8.ToArray());
        var clock = Stopwatch.StartNew();
        long total = (long)megabytes * 1024 * 1024;
        for (long sent = 0; sent < total; sent += chunk.Length)
        {
            await stream.WriteAsync(chunk);
        }

        sink.Client.Shutdown(SocketShutdown.Send);
        var reply = new byte[8];
        await stream.ReadExactlyAsync(reply);
        throughput = BitConverter.ToInt64(reply) / clock.Elapsed.TotalSeconds / 1e6;
    }

    using var echo = new TcpClient { NoDelay = true };
    await echo.ConnectAsync(target, Port);
    var s = echo.GetStream();
    await s.WriteAsync("L"u8.ToArray());
    var one = new byte[1];
    var samples = new List<double>(roundTrips);
    for (var i = 0; i < roundTrips; i++)
    {
        var t = Stopwatch.GetTimestamp();
        await s.WriteAsync(one);
        await s.ReadExactlyAsync(one);
        samples.Add(Stopwatch.GetElapsedTime(t).TotalMicroseconds);
    }

    samples.Sort();
    Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{throughput:F1} {samples[samples.Count / 2]:F1} {samples[(int)(samples.Count * 0.99)]:F1}"));
}

static V1Node Node(string name, string podCidr, string ip)
{
    var address = IPAddress.Parse(ip);
    return new V1Node
    {
        Metadata = new V1ObjectMeta { Name = name, Annotations = new Dictionary<string, string>(FlannelAnnotations.For(ip, VtepMac.For(address))) },
        Spec = new V1NodeSpec { PodCIDR = podCidr, PodCIDRs = [podCidr] },
        Status = new V1NodeStatus { Addresses = [new V1NodeAddress { Type = "InternalIP", Address = ip }] },
    };
}

int Arg(string name, int fallback)
{
    var i = Array.IndexOf(args, name);
    return i >= 0 && i + 1 < args.Length ? int.Parse(args[i + 1], CultureInfo.InvariantCulture) : fallback;
}

static async Task<string> Run(params string[] command)
{
    var start = new ProcessStartInfo(command[0]) { RedirectStandardOutput = true, RedirectStandardError = true, UseShellExecute = false };
    foreach (var a in command[1..])
    {
        start.ArgumentList.Add(a);
    }

    using var process = Process.Start(start)!;
    var stdout = process.StandardOutput.ReadToEndAsync();
    var stderr = process.StandardError.ReadToEndAsync();
    await process.WaitForExitAsync();
    if (process.ExitCode != 0)
    {
        throw new InvalidOperationException($"{string.Join(' ', command)}: exit {process.ExitCode}: {await stderr}");
    }

    return await stdout;
}

/// <summary>Names this assembly (top-level statements have no type of their own to point at).</summary>
internal sealed class Marker;
