using k8s.Models;
using Skiff.Client.Api;

namespace Skiff.Client.Tests.Integration;

/// <summary>The calls for kinds a client does not know in advance (discovery, metadata lists, collection deletes) and
/// whole-object subresource PUTs, against a real API server over HTTPS.</summary>
public sealed class ServerDiscoveryTests
{
    [Fact]
    public async Task Discovery_names_every_resource_at_its_preferred_version_with_its_verbs()
    {
        await using var server = await RealServer.StartAsync();
        using var api = ApiClients.FromKubeconfig(server.KubeconfigPath);

        var discovery = await api.DiscoverAsync(default);

        Assert.Empty(discovery.FailedGroups);
        var configMaps = Assert.Single(discovery.Resources, r => r.Resource is { Group: "", Plural: "configmaps" });
        Assert.Equal(("v1", "ConfigMap", true), (configMaps.Resource.Version, configMaps.Resource.Kind, configMaps.Resource.Namespaced));
        Assert.True(configMaps.Supports("deletecollection"));
        var namespaces = Assert.Single(discovery.Resources, r => r.Resource is { Group: "", Plural: "namespaces" });
        Assert.False(namespaces.Resource.Namespaced);
        Assert.Contains(discovery.Resources, r => r.Resource is { Group: "apps", Version: "v1", Plural: "deployments", Namespaced: true });
        Assert.DoesNotContain(discovery.Resources, r => r.Resource.Plural.Contains('/', StringComparison.Ordinal));
    }

    [Fact]
    public async Task Metadata_lists_collection_deletes_and_namespace_finalize_work_on_any_resource()
    {
        await using var server = await RealServer.StartAsync();
        using var api = ApiClients.FromKubeconfig(server.KubeconfigPath);
        await api.CreateAsync(new V1Namespace { Metadata = new V1ObjectMeta { Name = "team" } }, default);
        foreach (var name in new[] { "a", "b" })
        {
            await api.CreateAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = "team" } }, default);
        }

        await api.CreateAsync(new V1ConfigMap { Metadata = new V1ObjectMeta { Name = "a", NamespaceProperty = "default" } }, default);
        var configMaps = new ApiResource(string.Empty, "v1", "configmaps", "ConfigMap", Namespaced: true);

        Assert.Equal(["a", "b"], (await api.ListMetadataAsync(configMaps, "team", default)).Select(m => m.Name).Order());
        await api.DeleteAsync(configMaps, "team", "a", new V1DeleteOptions { PropagationPolicy = "Background" }, default);
        await Assert.ThrowsAsync<ApiException>(() => api.DeleteAsync(configMaps, "team", "a", null, default));
        await api.DeleteCollectionAsync(configMaps, "team", new V1DeleteOptions { PropagationPolicy = "Background" }, default);
        Assert.Empty(await api.ListMetadataAsync(configMaps, "team", default));
        Assert.Single(await api.ListMetadataAsync(configMaps, "default", default));

        await api.DeleteAsync<V1Namespace>(null, "team", null, default);
        var terminating = await api.GetAsync<V1Namespace>(null, "team", default);
        Assert.Equal("Terminating", terminating!.Status.Phase);
        terminating.Spec.Finalizers = [];
        await api.UpdateSubresourceAsync(terminating, "finalize", default);
        Assert.Null(await api.GetAsync<V1Namespace>(null, "team", default));
    }
}
