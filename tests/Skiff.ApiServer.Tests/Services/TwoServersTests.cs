using k8s;
using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Skiff.Apimachinery;
using Skiff.Storage.Sqlite;

namespace Skiff.ApiServer.Tests.Services;

/// <summary>Two real API servers on one SQLite store create Services at the same time: no address is given twice.</summary>
public sealed class TwoServersTests
{
    [Fact]
    public async Task Two_api_servers_on_one_store_allocate_concurrently_without_duplicates()
    {
        var dir = Path.Combine(Path.GetTempPath(), "skiff-svc2-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(dir);
        await using var store = await SqliteStore.OpenAsync(Path.Combine(dir, "state.db"), SqliteStoreOptions.Default, CancellationToken.None);
        var servers = new List<ApiServerHandle>();
        try
        {
            foreach (var name in new[] { "a", "b" })
            {
                servers.Add(await ApiServer.StartAsync(
                    new ApiServerOptions { DataDirectory = Path.Combine(dir, name), Resources = ResourceCatalog.CreateBuiltIn().All, Port = 0, ServiceCidr = "10.96.0.0/26" },
                    store, NullLoggerFactory.Instance, CancellationToken.None));
            }

            var clients = servers.Select(s => new Kubernetes(KubernetesClientConfiguration.BuildConfigFromConfigFile(s.KubeconfigPath))).ToList();
            var created = await Task.WhenAll(Enumerable.Range(0, 40).Select(i => clients[i % 2].CoreV1.CreateNamespacedServiceAsync(
                new V1Service
                {
                    Metadata = new V1ObjectMeta { Name = "s" + i },
                    Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Port = 80 }], Type = "NodePort" },
                }, "default")));
            var ips = created.Select(s => s.Spec.ClusterIP).ToList();
            Assert.Equal(40, ips.Distinct().Count());
            Assert.DoesNotContain("10.96.0.1", ips); // the kubernetes Service's
            Assert.Equal(40, created.Select(s => s.Spec.Ports[0].NodePort).Distinct().Count());

            // Both servers keep their own address in the kubernetes endpoints.
            V1Endpoints? endpoints = null;
            for (var i = 0; i < 50; i++)
            {
                endpoints = await clients[0].CoreV1.ReadNamespacedEndpointsAsync("kubernetes", "default");
                if (endpoints.Subsets?.Count == 2)
                {
                    break;
                }

                await Task.Delay(200);
            }

            Assert.Equal(servers.Select(s => s.Address.Port).Order(), (endpoints!.Subsets ?? []).Select(s => s.Ports[0].Port).Order());

            // A server that stops takes itself out.
            await servers[1].DisposeAsync();
            endpoints = await clients[0].CoreV1.ReadNamespacedEndpointsAsync("kubernetes", "default");
            Assert.Equal([servers[0].Address.Port], (endpoints.Subsets ?? []).Select(s => s.Ports[0].Port));
            foreach (var client in clients)
            {
                client.Dispose();
            }
        }
        finally
        {
            foreach (var server in servers)
            {
                await server.DisposeAsync();
            }

            Directory.Delete(dir, recursive: true);
        }
    }
}
