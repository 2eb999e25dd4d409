using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Apimachinery;
using Skiff.ApiServer;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Storage.Memory;

namespace Skiff.Controllers.Tests;

/// <summary>
/// A real in-process API server (HTTPS, memory store) with the controller manager running against it through shared
/// informers, as in <c>skiff server</c>; tests add the background loops they need (a kubelet they play) with
/// <see cref="Run"/>. Disposing stops the loops and the manager, then the server, and removes the data directory.
/// </summary>
internal sealed class RealControlPlane : IAsyncDisposable
{
    private readonly CancellationTokenSource _stop = new();
    private readonly List<Task> _running = [];

    private RealControlPlane(string dataDirectory, ApiServerHandle server)
    {
        DataDirectory = dataDirectory;
        Server = server;
        Api = ApiClients.FromKubeconfig(server.KubeconfigPath);
        Context = ComponentContext.Create(Api, TimeProvider.System, NullLoggerFactory.Instance);
    }

    public string DataDirectory { get; }

    public ApiServerHandle Server { get; }

    /// <summary>The cluster admin's client.</summary>
    public KubernetesApiClient Api { get; }

    public ComponentContext Context { get; }

    /// <summary>Cancelled when the control plane is disposed.</summary>
    public CancellationToken Stopping => _stop.Token;

    /// <param name="name">Prefix of the temporary data directory.</param>
    /// <param name="managerOptions">The controller manager's options, given the started server (its CA lives
    /// under <see cref="DataDirectory"/>/pki); by default upstream's defaults, leader election included.</param>
    public static async Task<RealControlPlane> StartAsync(string name, Func<RealControlPlane, Task<ControllerManagerOptions>>? managerOptions = null)
    {
        var dataDirectory = Directory.CreateTempSubdirectory($"{name}-").FullName;
        var server = await ApiServer.ApiServer.StartAsync(
            new ApiServerOptions { DataDirectory = dataDirectory, Port = 0, Resources = ResourceCatalog.CreateBuiltIn().All },
            new MemoryStore(),
            NullLoggerFactory.Instance,
            CancellationToken.None);
        var plane = new RealControlPlane(dataDirectory, server);
        plane.Context.Informers.Start(plane.Stopping);
        var options = managerOptions is null ? new ControllerManagerOptions() : await managerOptions(plane);
        plane.Run(stopping => ControllerManagerHost.RunAsync(options, plane.Context, stopping));
        return plane;
    }

    /// <summary>Runs <paramref name="loop"/> until the control plane is disposed.</summary>
    public void Run(Func<CancellationToken, Task> loop) => _running.Add(loop(_stop.Token));

    public async ValueTask DisposeAsync()
    {
        await _stop.CancelAsync();
        await Task.WhenAll(_running);
        await Context.DisposeAsync();
        Api.Dispose();
        await Server.DisposeAsync();
        Directory.Delete(DataDirectory, recursive: true);
        _stop.Dispose();
    }
}
