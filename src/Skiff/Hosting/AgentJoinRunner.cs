using Microsoft.Extensions.Logging;
using Skiff.ApiServer.Bootstrap;

namespace Skiff.Hosting;

/// <summary>Runs <c>skiff agent</c>: join the server (credentials under the data dir), then the node as in <c>skiff server</c>.</summary>
internal static class AgentJoinRunner
{
    public static async Task<int> RunAsync(AgentJoinSettings settings, CancellationToken shutdown)
    {
        using var loggerFactory = Logging.Create(settings.Verbose);
        var logger = loggerFactory.CreateLogger("Skiff.Agent");
        try
        {
            var token = ReadToken(settings.TokenFile);
            var agentDirectory = Path.Combine(settings.DataDirectory, "agent");
            var joined = await NodeJoiner.JoinAsync(settings.Server, token, settings.Agent.NodeName, settings.Agent.NodeIp, agentDirectory, logger, shutdown);
            using (joined.ServingCertificate)
            {
                await AgentRunner.RunAsync(settings.Agent, joined.KubeconfigPath, agentDirectory, loggerFactory, shutdown, joined.ServingCertificate);
            }
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
        }
        catch (Exception e) when (e is NodeJoinException or IOException or ArgumentException or UnauthorizedAccessException
                                      or Containerd.RuntimePrerequisiteException or Containerd.ContainerdStartException or FormatException)
        {
            logger.LogError("skiff agent failed: {Message}", e.Message);
            return 1;
        }

        logger.LogInformation("Shutting down");
        return 0;
    }

    private static JoinToken ReadToken(string path)
    {
        if (!File.Exists(path))
        {
            throw new NodeJoinException($"token file {path} does not exist (the server writes it to <data-dir>/token)");
        }

        // The message names the file, never its content: the token is a secret.
        return JoinToken.TryParse(File.ReadAllText(path), out var token)
            ? token
            : throw new NodeJoinException($"{path} holds no join token of the form K10<ca-hash>::server:<secret> or K10<ca-hash>::<id>.<secret>");
    }
}
