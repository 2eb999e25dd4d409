using System.CommandLine;
using Skiff.Hosting;

namespace Skiff.Commands;

/// <summary><c>skiff agent</c>: a kubelet with its own containerd that joins a running server with its join token.</summary>
internal static class AgentCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "URL of the server's API, e.g. https://127.0.0.1:6443 (required unless --simulate with --kubeconfig)." };
        var tokenFile = new Option<string>("--token-file") { Description = "File holding the server's join token (the server writes it to <data-dir>/token; required unless --simulate with --kubeconfig)." };
        var simulation = new SimulationFlags("--simulate", "Run this many simulated nodes (as KWOK does) instead of a kubelet: no containers, no service proxy.");
        var kubeconfig = new Option<string?>("--kubeconfig") { Description = "With --simulate: the credentials the simulated nodes use. They need nodes, nodes/status, leases in kube-node-lease, pods/status and pod deletion for every simulated node; a join token's node credentials are confined to one node by the Node authorizer, so use an admin kubeconfig." };
        var dataDir = new Option<string>("--data-dir") { Description = "Directory for this node's kubeconfig, containerd and kubelet state.", DefaultValueFactory = _ => DataDirectory.Default };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Debug logging." };
        var agent = AgentOptions.Create();
        var clusterCidr = new Option<string>("--cluster-cidr")
        {
            Description = "The cluster's pod range (the server's --cluster-cidr): pod traffic leaving it is masqueraded.",
            DefaultValueFactory = _ => Controllers.ControllerManagerOptions.DefaultClusterCidr,
        };

        var serviceCidr = new Option<string>("--service-cidr")
        {
            Description = "The cluster's Service range (the server's --service-cidr): the service proxy drops traffic to its addresses that no Service holds, and --cluster-dns defaults to its tenth address.",
            DefaultValueFactory = _ => ClusterDnsAddress.DefaultServiceCidr,
        };

        var disableDns = new Option<bool>("--disable-dns") { Description = "Serve no cluster DNS on this node (pods then need another server on the cluster DNS address)." };
        var rotateCertificates = new Option<bool>("--rotate-certificates")
        {
            Description = "Renew the node's client certificate through a CertificateSigningRequest before it expires (the kubelet's --rotate-certificates).",
            DefaultValueFactory = _ => true,
        };
        var command = new Command("agent", "Run a Skiff agent: a kubelet and its containerd, joining a server.")
        {
            server, tokenFile, dataDir, verbose,
        };
        agent.AddTo(command);
        command.Options.Add(clusterCidr);
        command.Options.Add(serviceCidr);
        command.Options.Add(disableDns);
        command.Options.Add(rotateCertificates);
        simulation.AddTo(command);
        command.Options.Add(kubeconfig);
        command.Validators.Add(result =>
        {
            var simulating = result.GetValue(kubeconfig) is { Length: > 0 };
            if (!simulating && (result.GetValue(server) is null || result.GetValue(tokenFile) is null))
            {
                result.AddError("--server and --token-file are required (or --simulate N with --kubeconfig F)");
            }
        });
        serviceCidr.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string>();
            if (!System.Net.IPNetwork.TryParse(text, out var range) || range.BaseAddress.AddressFamily != System.Net.Sockets.AddressFamily.InterNetwork)
            {
                result.AddError($"--service-cidr must be an IPv4 range such as 10.43.0.0/16 (got '{text}')");
            }
        });
        server.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string?>();
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps)
            {
                result.AddError($"--server must be the server's https URL, e.g. https://127.0.0.1:6443 (got '{text}')");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            if (parse.GetValue(kubeconfig) is { Length: > 0 } simulatorKubeconfig)
            {
                using var stop = new ShutdownSignal(cancellationToken);
                return await SimulatedAgentRunner.RunAsync(simulation.Read(parse), Path.GetFullPath(simulatorKubeconfig), parse.GetValue(verbose), stop.Token);
            }

            var settings = new AgentJoinSettings
            {
                Server = new Uri(parse.GetValue(server)!),
                TokenFile = Path.GetFullPath(parse.GetValue(tokenFile)!),
                DataDirectory = Path.GetFullPath(parse.GetValue(dataDir)!),
                Agent = agent.Read(parse) with { ClusterCidr = parse.GetValue(clusterCidr)!, ServiceCidr = parse.GetValue(serviceCidr)!, RunClusterDns = !parse.GetValue(disableDns), RotateCertificates = parse.GetValue(rotateCertificates) },
                Verbose = parse.GetValue(verbose),
            };
            using var shutdown = new ShutdownSignal(cancellationToken);
            return await AgentJoinRunner.RunAsync(settings, shutdown.Token);
        });
        return command;
    }
}
