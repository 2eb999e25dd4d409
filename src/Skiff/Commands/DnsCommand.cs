using System.CommandLine;
using Skiff.Client.Api;
using Skiff.Hosting;
using Skiff.Networking.Dns;

namespace Skiff.Commands;

/// <summary><c>skiff dns --kubeconfig F --listen ADDR</c>: cluster DNS alone (CoreDNS's role) against any API
/// server, answering the cluster zone from its informers and forwarding other names to the host's resolvers.</summary>
internal static class DnsCommand
{
    public static Command Create()
    {
        var kubeconfig = new Option<string>("--kubeconfig") { Description = "Kubeconfig of the cluster to serve names for.", Required = true };
        var listen = new Option<string[]>("--listen") { Description = "ADDR[:PORT] to serve on, UDP and TCP (repeatable; port 53 by default).", Required = true, AllowMultipleArgumentsPerToken = true };
        var domain = new Option<string>("--cluster-domain") { Description = "The cluster's DNS domain.", DefaultValueFactory = _ => "cluster.local" };
        var upstream = new Option<string[]>("--upstream") { Description = "Resolvers for other names (default: the nameservers of /etc/resolv.conf).", AllowMultipleArgumentsPerToken = true };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Debug logging." };
        var command = new Command("dns", "Run cluster DNS: Services and pods of the cluster by name, other names forwarded.") { kubeconfig, listen, domain, upstream, verbose };
        command.SetAction(async (parse, cancellationToken) =>
        {
            using var loggers = Logging.Create(parse.GetValue(verbose));
            using var shutdown = new ShutdownSignal(cancellationToken);
            var options = new ClusterDnsOptions
            {
                Zone = parse.GetValue(domain)!,
                Listen = parse.GetValue(listen)!.Select(ClusterDnsHost.ParseEndpoint).ToList(),
                Upstreams = (parse.GetValue(upstream) ?? []).Select(ClusterDnsHost.ParseEndpoint).ToList(),
            };
            await ClusterDnsHost.RunAloneAsync(options, ApiClients.FromKubeconfig(Path.GetFullPath(parse.GetValue(kubeconfig)!)), loggers, shutdown.Token);
            return 0;
        });
        return command;
    }
}
