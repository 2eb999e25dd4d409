using Microsoft.Extensions.Logging;
using Skiff.Apimachinery;
using Skiff.ApiServer;

namespace Skiff.Hosting;

/// <summary>Runs <c>skiff server</c>: store → API server → (kubelet), and unwinds them in reverse order on shutdown.</summary>
internal static class ServerRunner
{
    public static async Task<int> RunAsync(ServerSettings settings, CancellationToken shutdown)
    {
        using var loggerFactory = Logging.Create(settings.Verbose);
        var logger = loggerFactory.CreateLogger("Skiff.Server");
        try
        {
            return await RunAsync(settings, loggerFactory, logger, shutdown);
        }
        catch (Exception e) when (e is IOException or ArgumentException or UnauthorizedAccessException
                                      or Containerd.RuntimePrerequisiteException or Containerd.ContainerdStartException
                                      or Storage.StorageException or FormatException)
        {
            // A start-up failure the user can act on (port in use, missing packages, bad flag): one clear line, exit 1.
            logger.LogError("skiff server failed: {Message}", e.Message);
            return 1;
        }
    }

    private static async Task<int> RunAsync(ServerSettings settings, ILoggerFactory loggerFactory, ILogger logger, CancellationToken shutdown)
    {
        Directory.CreateDirectory(settings.DataDirectory);

        // The scheduler, the controller manager, the node (or simulated nodes) each watch every pod change of their
        // scope as a client of their own: decode each pod version once for all of them (none changes what it reads).
        Client.Api.SharedDecoding.Enable<k8s.Models.V1Pod>();

        await using var store = await StoreFactory.OpenAsync(settings.Storage, settings.DataDirectory, settings.EtcdServers, shutdown);
        var catalog = ResourceCatalog.CreateBuiltIn();
        await using var apiServer = await ApiServer.ApiServer.StartAsync(
            new ApiServerOptions
            {
                DataDirectory = settings.DataDirectory,
                Resources = catalog.All,
                BindAddress = settings.BindAddress,
                AdvertiseAddress = settings.AdvertiseAddress,
                Port = settings.Port,
                EventTtl = settings.EventTtl,
                EncryptionProviderConfig = settings.EncryptionProviderConfig,
                AnonymousAuth = settings.AnonymousAuth,
                AuthorizationMode = settings.AuthorizationMode,
                ExtraSans = settings.TlsSans,
                Audit = settings.Audit,
                ServiceCidr = settings.ServiceCidr,
                ServiceNodePortRange = settings.ServiceNodePortRange,
            },
            store.Store,
            loggerFactory,
            shutdown);
        logger.LogInformation("Skiff server is up at {Address}. Use it with: export KUBECONFIG={Kubeconfig}", apiServer.Address, apiServer.KubeconfigPath);

        // The admin's client (add-ons, simulated nodes) is in this process too: the kubeconfig's identity, no socket.
        using var api = ComponentContexts.ConnectAs(apiServer,
            System.Security.Cryptography.X509Certificates.X509Certificate2.CreateFromPem(apiServer.Certificates.AdminCertificatePem, apiServer.Certificates.AdminKeyPem));
        var context = Client.ComponentContext.Create(api, TimeProvider.System, loggerFactory);
        // Each component talks to the API server as itself (least privilege), not as the admin of the kubeconfig.
        var contexts = new ComponentContexts(apiServer, context, TimeProvider.System, loggerFactory, shutdown);
        try
        {
            var controlPlane = ControlPlane.RunAsync(contexts, ControlPlane.Components(settings), logger, shutdown);
            var node = settings.Agent is { } agent
                ? AgentRunner.RunAsync(agent, apiServer.KubeconfigPath, Path.Combine(settings.DataDirectory, "agent"), loggerFactory, shutdown,
                    sharedContext: contexts.For(ComponentIdentity.Node(agent.NodeName)))
                : Task.Delay(Timeout.Infinite, shutdown);
            await Task.WhenAll(controlPlane, node);
        }
        catch (OperationCanceledException) when (shutdown.IsCancellationRequested)
        {
        }
        finally
        {
            await contexts.DisposeAsync();
            await context.DisposeAsync();
        }

        logger.LogInformation("Shutting down");
        return 0;
    }
}
