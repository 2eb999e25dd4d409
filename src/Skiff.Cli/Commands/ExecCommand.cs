using System.CommandLine;
using System.Net.WebSockets;
using System.Text.Json.Nodes;
using Skiff.Cli.Api;
using Skiff.Cli.Streaming;

namespace Skiff.Cli.Commands;

/// <summary>
/// <c>kubectl exec [-i] [-t] POD [-c CONTAINER] -- COMMAND...</c> over the official client's WebSocket to
/// <c>pods/{name}/exec</c> with the <c>v5.channel.k8s.io</c> protocol; the exit code is the remote command's.
/// </summary>
public static class ExecCommand
{
    public static Command Create(GlobalOptions global)
    {
        ArgumentNullException.ThrowIfNull(global);
        var args = new Argument<string[]>("pod-and-command") { Arity = ArgumentArity.OneOrMore, Description = "POD -- COMMAND [ARGS...]" };
        var container = new Option<string?>("--container", "-c") { Description = "Container name" };
        var stdin = new Option<bool>("--stdin", "-i") { Description = "Pass stdin to the container" };
        var tty = new Option<bool>("--tty", "-t") { Description = "Stdin is a TTY" };
        var command = new Command("exec", "Execute a command in a container") { args, container, stdin, tty };
        command.SetAction((parse, ct) => global.RunAsync(parse, async session =>
        {
            var values = parse.GetValue(args) ?? [];
            if (values.Length < 2)
            {
                throw new CliException("you must specify at least one command for the container");
            }

            var name = values[0];
            if (name.StartsWith("pod/", StringComparison.Ordinal) || name.StartsWith("pods/", StringComparison.Ordinal))
            {
                name = name[(name.IndexOf('/', StringComparison.Ordinal) + 1)..];
            }

            var api = await session.ApiAsync();
            var ns = await session.NamespaceAsync();
            var pod = await api.GetAsync($"/api/v1/namespaces/{Uri.EscapeDataString(ns)}/pods/{Uri.EscapeDataString(name)}", "application/json, */*", $"pods {name}", ct);
            var phase = (string?)pod["status"]?["phase"];
            if (phase is "Succeeded" or "Failed")
            {
                throw new CliException($"cannot exec into a container in a completed pod; current phase is {phase}");
            }

            var (chosen, notice) = PodContainers.Choose(pod, parse.GetValue(container));
            if (notice is not null)
            {
                await session.Err.WriteLineAsync(notice);
            }

            var useTty = parse.GetValue(tty);
            var useStdin = parse.GetValue(stdin);
            WebSocket socket;
            try
            {
                socket = await api.Kubernetes.WebSocketNamespacedPodExecAsync(
                    name, ns, values[1..], chosen, stderr: !useTty, stdin: useStdin, stdout: true, tty: useTty,
                    webSocketSubProtocol: ChannelExec.Protocol, cancellationToken: ct);
            }
            catch (WebSocketException ex)
            {
                throw new CliException($"unable to upgrade connection: {ex.Message}", ex);
            }

            using (socket)
            {
                if (useTty)
                {
                    await socket.SendAsync(ChannelExec.ResizeFrame(TerminalWidth(), TerminalHeight()), WebSocketMessageType.Binary, true, ct);
                }

                var outcome = await ChannelExec.RunAsync(socket, useStdin ? session.In : null, session.Out, session.Err, ct);
                if (outcome.Message is not null)
                {
                    await session.Err.WriteLineAsync(outcome.Message);
                }

                return outcome.ExitCode;
            }
        }));
        return command;
    }

    private static int TerminalWidth() => Console.IsOutputRedirected ? 80 : Console.WindowWidth;

    private static int TerminalHeight() => Console.IsOutputRedirected ? 24 : Console.WindowHeight;
}
