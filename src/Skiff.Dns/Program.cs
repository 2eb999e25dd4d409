using System.CommandLine;
using System.Runtime.InteropServices;
using Microsoft.Extensions.Logging;
using Microsoft.Extensions.Logging.Console;
using Skiff.Api.Json;
using Skiff.Client.Api;
using Skiff.Dns;
using Skiff.Networking.Dns;

// skiff-dns: cluster DNS alone, as `skiff dns`, compiled ahead of time (NativeAOT, trimmed) so that a process that
// only serves names carries no JIT, no IL images and no reflection metadata: CoreDNS's role at a size near CoreDNS's.
ModelJson.UseSourceGenerated(DnsJson.Default);
var kubeconfig = new Option<string>("--kubeconfig") { Description = "Kubeconfig of the cluster to serve names for.", Required = true };
var listen = new Option<string[]>("--listen") { Description = "ADDR[:PORT] to serve on, UDP and TCP (repeatable; port 53 by default).", Required = true, AllowMultipleArgumentsPerToken = true };
var domain = new Option<string>("--cluster-domain") { Description = "The cluster's DNS domain.", DefaultValueFactory = _ => "cluster.local" };
var upstream = new Option<string[]>("--upstream") { Description = "Resolvers for other names (default: the nameservers of /etc/resolv.conf).", AllowMultipleArgumentsPerToken = true };
var verbose = new Option<bool>("--verbose", "-v") { Description = "Debug logging." };
var root = new RootCommand("Cluster DNS alone (CoreDNS's role): Services and pods of the cluster by name, other names forwarded.") { kubeconfig, listen, domain, upstream, verbose };
root.SetAction(async (parse, cancellationToken) =>
{
    using var loggers = LoggerFactory.Create(builder =>
    {
        builder.SetMinimumLevel(parse.GetValue(verbose) ? LogLevel.Debug : LogLevel.Information);
        builder.AddSimpleConsole(options =>
        {
            options.SingleLine = true;
            options.TimestampFormat = "yyyy-MM-ddTHH:mm:ss.fffZ ";
            options.UseUtcTimestamp = true;
            options.ColorBehavior = LoggerColorBehavior.Disabled;
        });
    });
    // SIGTERM (a service manager's stop) ends it as SIGINT does: the sockets close and the process exits 0.
    using var shutdown = CancellationTokenSource.CreateLinkedTokenSource(cancellationToken);
    using var sigterm = PosixSignalRegistration.Create(PosixSignal.SIGTERM, signal =>
    {
        signal.Cancel = true;
        shutdown.Cancel();
    });
    var options = new ClusterDnsOptions
    {
        Zone = parse.GetValue(domain)!,
        Listen = parse.GetValue(listen)!.Select(ClusterDnsHost.ParseEndpoint).ToList(),
        Upstreams = (parse.GetValue(upstream) ?? []).Select(ClusterDnsHost.ParseEndpoint).ToList(),
    };
    await ClusterDnsHost.RunAloneAsync(options, ApiClients.FromKubeconfigWithoutReflection(parse.GetValue(kubeconfig)!), loggers, shutdown.Token);
    return 0;
});
return await root.Parse(args).InvokeAsync();
