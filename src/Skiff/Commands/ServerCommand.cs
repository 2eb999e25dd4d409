using System.CommandLine;
using System.Net;
using Skiff.Hosting;

namespace Skiff.Commands;

/// <summary><c>skiff server</c>: the API server on the embedded store, plus a kubelet for this machine.</summary>
internal static class ServerCommand
{
    public static Command Create()
    {
        var dataDir = new Option<string>("--data-dir") { Description = "Directory for the store, PKI, kubeconfig and the local node's state.", DefaultValueFactory = _ => DataDirectory.Default };
        var port = new Option<int>("--port") { Description = "HTTPS port of the API server (0 picks a free one).", DefaultValueFactory = _ => 6443 };
        // 0.0.0.0 as kube-apiserver and k3s: pods reach the server through the `kubernetes` Service, whose endpoint is
        // the advertise address (a host address, never loopback), so a loopback-only server is unreachable from pods.
        var bind = new Option<string>("--bind-address") { Description = "Address the API server listens on.", DefaultValueFactory = _ => "0.0.0.0" };
        var advertise = new Option<string?>("--advertise-address") { Description = "Address published in the kubernetes Service's endpoints (default: the bind address when specific, else the host's first non-loopback IPv4)." };
        var storage = new Option<string>("--storage") { Description = "Cluster state store: sqlite (embedded, durable) or memory (lost on exit).", DefaultValueFactory = _ => StoreFactory.Sqlite };
        storage.AcceptOnlyFromAmong(StoreFactory.Kinds);
        var etcdServers = new Option<string?>("--etcd-servers") { Description = "Comma-separated etcd client URLs for --storage etcd, e.g. http://127.0.0.1:2379." };
        var disableAgent = new Option<bool>("--disable-agent") { Description = "Run no kubelet on this machine (API server only)." };
        var agent = AgentOptions.Create();
        var clusterCidr = new ClusterCidrOptions();
        var simulation = new SimulationFlags("--simulate-nodes", "Also run this many simulated nodes (as KWOK does: they register, stay Ready and run the pods bound to them without containers).");
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Debug logging." };
        var encryption = new Option<string?>("--encryption-provider-config") { Description = "An EncryptionConfiguration file (apiserver.config.k8s.io/v1): the resources it names are stored encrypted." };
        var eventTtl = new Option<TimeSpan>("--event-ttl") { Description = "How long events are kept after their last write (h:mm:ss).", DefaultValueFactory = _ => TimeSpan.FromHours(1) };
        var disableScheduler = new Option<bool>("--disable-scheduler") { Description = "Run no scheduler in this server." };
        var serviceCidr = new Option<string>("--service-cidr") { Description = "IPv4 range Service cluster IPs are allocated from.", DefaultValueFactory = _ => ClusterDnsAddress.DefaultServiceCidr };
        var disableDns = new Option<bool>("--disable-dns") { Description = "Run no cluster DNS in this server." };
        var nodePortRange = new Option<string>("--service-node-port-range") { Description = "Port range NodePort Services are allocated from (both ends included).", DefaultValueFactory = _ => "30000-32767" };

        var command = new Command("server", "Run a Skiff server: API server, embedded store and a kubelet for this node.")
        {
            dataDir, port, bind, storage, etcdServers, disableAgent, verbose, eventTtl, encryption, serviceCidr, nodePortRange,
        };
        command.Options.Add(advertise);
        command.Options.Add(disableScheduler);
        command.Options.Add(disableDns);
        agent.AddTo(command);
        clusterCidr.AddTo(command);
        simulation.AddTo(command);
        var security = new SecurityFlags();
        security.AddTo(command);
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new ServerSettings
            {
                DataDirectory = Path.GetFullPath(parse.GetValue(dataDir)!),
                Port = parse.GetValue(port),
                BindAddress = IPAddress.Parse(parse.GetValue(bind)!),
                AdvertiseAddress = parse.GetValue(advertise) is { } address ? IPAddress.Parse(address) : null,
                Storage = parse.GetValue(storage)!,
                EtcdServers = (parse.GetValue(etcdServers) ?? string.Empty)
                    .Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries)
                    .Select(url => new Uri(url))
                    .ToList(),
                Agent = parse.GetValue(disableAgent) ? null : agent.Read(parse),
                Verbose = parse.GetValue(verbose),
                EventTtl = parse.GetValue(eventTtl),
                EncryptionProviderConfig = parse.GetValue(encryption) is { } file ? Path.GetFullPath(file) : null,
                DisableScheduler = parse.GetValue(disableScheduler),
                ServiceCidr = parse.GetValue(serviceCidr)!,
                ServiceNodePortRange = parse.GetValue(nodePortRange)!,
                DisableDns = parse.GetValue(disableDns),
                ControllerManager = clusterCidr.ApplyTo(new Controllers.ControllerManagerOptions(), parse),
                SimulatedNodes = simulation.Read(parse),
            };
            settings = security.ApplyTo(settings, parse);
            if (settings.Agent is { } local)
            {
                settings = settings with { Agent = local with { ClusterCidr = settings.ControllerManager.ClusterCidr ?? local.ClusterCidr, ServiceCidr = settings.ServiceCidr } };
            }

            if (settings.Agent is { ClusterDns: null } node)
            {
                // The node's pods use this server's DNS: the tenth address of its service range.
                settings = settings with { Agent = node with { ClusterDns = ClusterDnsAddress.Of(settings.ServiceCidr) } };
            }
            using var shutdown = new ShutdownSignal(cancellationToken);
            return await ServerRunner.RunAsync(settings, shutdown.Token);
        });
        return command;
    }
}
