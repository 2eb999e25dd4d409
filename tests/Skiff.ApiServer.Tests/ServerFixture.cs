using System.Net.Http.Headers;
using System.Text;
using k8s;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Apimachinery;
using Skiff.Storage.Sqlite;

namespace Skiff.ApiServer.Tests;

/// <summary>A real API server: Kestrel on a free loopback port, HTTPS with the generated PKI, a SQLite file in a temp dir.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    /// <summary>Small, so a test can push a resource's events out of the window.</summary>
    public const int WatchHistorySize = 64;

    public string Directory { get; } = Path.Combine(Path.GetTempPath(), "skiff-api-" + Guid.NewGuid().ToString("N"));

    public SqliteStore Store { get; private set; } = null!;

    public ApiServerHandle Server { get; private set; } = null!;

    public Kubernetes Client { get; private set; } = null!;

    public HttpClient Http => Client.HttpClient;

    public async Task InitializeAsync()
    {
        System.IO.Directory.CreateDirectory(Directory);
        Store = await SqliteStore.OpenAsync(Path.Combine(Directory, "state.db"), SqliteStoreOptions.Default, CancellationToken.None);
        Server = await ApiServer.StartAsync(
            new ApiServerOptions
            {
                DataDirectory = Directory,
                Resources = ResourceCatalog.CreateBuiltIn().All,
                Port = 0,
                WatchHistorySize = WatchHistorySize,
                WatchHistoryMaxSize = WatchHistorySize,
            },
            Store, NullLoggerFactory.Instance, CancellationToken.None);
        Client = new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(Server.KubeconfigPath));
    }

    public async Task DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        await Store.DisposeAsync();
        try
        {
            System.IO.Directory.Delete(Directory, recursive: true);
        }
        catch (IOException)
        {
        }
    }

    public Uri Url(string path) => new(Server.Address, path);

    public async Task<(int Status, string Body, HttpResponseMessage Response)> SendAsync(
        HttpMethod method, string path, string? body = null, string contentType = "application/json", string? accept = null)
    {
        using var request = new HttpRequestMessage(method, Url(path));
        if (body is not null)
        {
            request.Content = new StringContent(body, Encoding.UTF8);
            request.Content.Headers.ContentType = MediaTypeHeaderValue.Parse(contentType);
        }

        if (accept is not null)
        {
            request.Headers.TryAddWithoutValidation("Accept", accept);
        }

        var response = await Http.SendAsync(request);
        return ((int)response.StatusCode, await response.Content.ReadAsStringAsync(), response);
    }

    /// <summary>A fresh namespace for one test, so tests sharing the server do not see each other's objects.</summary>
    public async Task<string> NewNamespaceAsync()
    {
        var name = "t-" + Guid.NewGuid().ToString("N")[..10];
        await Client.CoreV1.CreateNamespaceAsync(new k8s.Models.V1Namespace { Metadata = new k8s.Models.V1ObjectMeta { Name = name } });
        return name;
    }
}

[CollectionDefinition(Name)]
public sealed class ServerCollection : ICollectionFixture<ServerFixture>
{
    public const string Name = "api server";
}
