using System.CommandLine;
using Skiff.Hosting;

namespace Skiff.Commands;

/// <summary><c>skiff agent</c>: a kubelet with its own containerd that joins a running server with its join token.</summary>
internal static class AgentCommand
{
    public static Command Create()
    {
        var server = new Option<string>("--server") { Description = "URL of the server's API, e.g. https://127.0.0.1:6443.", Required = true };
        var tokenFile = new Option<string>("--token-file") { Description = "File holding the server's join token (the server writes it to <data-dir>/token).", Required = true };
        var dataDir = new Option<string>("--data-dir") { Description = "Directory for this node's kubeconfig, containerd and kubelet state.", DefaultValueFactory = _ => DataDirectory.Default };
        var verbose = new Option<bool>("--verbose", "-v") { Description = "Debug logging." };
        var agent = AgentOptions.Create();
        var clusterCidr = new Option<string>("--cluster-cidr")
        {
            Description = "The cluster's pod range (the server's --cluster-cidr): pod traffic leaving it is masqueraded.",
            DefaultValueFactory = _ => Controllers.ControllerManagerOptions.DefaultClusterCidr,
        };

        var command = new Command("agent", "Run a Skiff agent: a kubelet and its containerd, joining a server.")
        {
            server, tokenFile, dataDir, verbose,
        };
        agent.AddTo(command);
        command.Options.Add(clusterCidr);
        server.Validators.Add(result =>
        {
            var text = result.GetValueOrDefault<string>();
            if (!Uri.TryCreate(text, UriKind.Absolute, out var url) || url.Scheme != Uri.UriSchemeHttps)
            {
                result.AddError($"--server must be the server's https URL, e.g. https://127.0.0.1:6443 (got '{text}')");
            }
        });
        command.SetAction(async (parse, cancellationToken) =>
        {
            var settings = new AgentJoinSettings
            {
                Server = new Uri(parse.GetValue(server)!),
                TokenFile = Path.GetFullPath(parse.GetValue(tokenFile)!),
                DataDirectory = Path.GetFullPath(parse.GetValue(dataDir)!),
                Agent = agent.Read(parse) with { ClusterCidr = parse.GetValue(clusterCidr)! },
                Verbose = parse.GetValue(verbose),
            };
            using var shutdown = new ShutdownSignal(cancellationToken);
            return await AgentJoinRunner.RunAsync(settings, shutdown.Token);
        });
        return command;
    }
}
