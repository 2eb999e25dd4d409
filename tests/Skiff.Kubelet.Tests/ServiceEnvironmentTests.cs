using k8s.Models;
using Skiff.Client.Cache;
using Skiff.Kubelet.Pods;

namespace Skiff.Kubelet.Tests;

/// <summary>The Service variables as upstream's kubelet writes them (envvars.FromServices), against a fixed cache.</summary>
public sealed class ServiceEnvironmentTests
{
    private sealed class Services(params V1Service[] services) : IReadOnlyCache<V1Service>
    {
        public int Count => services.Length;

        public IReadOnlyList<string> Keys() => services.Select(s => $"{s.Metadata.NamespaceProperty}/{s.Metadata.Name}").ToList();

        public V1Service? GetByKey(string key) => services.FirstOrDefault(s => $"{s.Metadata.NamespaceProperty}/{s.Metadata.Name}" == key);

        public V1Service? Get(string? ns, string name) => services.FirstOrDefault(s => s.Metadata.NamespaceProperty == ns && s.Metadata.Name == name);

        public IReadOnlyList<V1Service> List() => services;

        public IReadOnlyList<V1Service> List(string? ns, Skiff.Api.Selection.LabelSelector? selector = null) =>
            services.Where(s => ns is null || s.Metadata.NamespaceProperty == ns).ToList();

        public IReadOnlyList<V1Service> ByIndex(string indexName, string value) =>
            indexName == Indexers.Namespace ? services.Where(s => s.Metadata.NamespaceProperty == value).ToList() : [];
    }

    private static Task<bool> Synced(CancellationToken cancellationToken) => Task.FromResult(true);

    private static V1Service Service(string ns, string name, string ip, params V1ServicePort[] ports) => new()
    {
        Metadata = new V1ObjectMeta { Name = name, NamespaceProperty = ns },
        Spec = new V1ServiceSpec { ClusterIP = ip, Ports = ports },
    };

    private static V1Pod Pod(string ns, bool? links = null) => new()
    {
        Metadata = new V1ObjectMeta { Name = "p", NamespaceProperty = ns },
        Spec = new V1PodSpec { EnableServiceLinks = links, Containers = [new V1Container { Name = "c" }] },
    };

    private static readonly Services Cluster = new(
        Service("default", "kubernetes", "10.43.0.1", new V1ServicePort { Name = "https", Port = 443, Protocol = "TCP" }),
        Service("team", "web-api", "10.43.0.20", new V1ServicePort { Port = 80 }, new V1ServicePort { Name = "dns-udp", Port = 53, Protocol = "UDP" }),
        Service("team", "headless", "None", new V1ServicePort { Port = 80 }),
        Service("other", "db", "10.43.0.30", new V1ServicePort { Port = 5432 }));

    [Fact]
    public async Task A_pod_gets_the_masters_and_its_namespaces_services_in_upstreams_shape()
    {
        var env = (await new ServiceEnvironment(Cluster, Synced).ForAsync(Pod("team"), CancellationToken.None)).ToDictionary(kv => kv.Key, kv => kv.Value);
        Assert.Equal("10.43.0.1", env["KUBERNETES_SERVICE_HOST"]);
        Assert.Equal("443", env["KUBERNETES_SERVICE_PORT"]);
        Assert.Equal("443", env["KUBERNETES_SERVICE_PORT_HTTPS"]);
        Assert.Equal("tcp://10.43.0.1:443", env["KUBERNETES_PORT"]);
        Assert.Equal("tcp://10.43.0.1:443", env["KUBERNETES_PORT_443_TCP"]);
        Assert.Equal("tcp", env["KUBERNETES_PORT_443_TCP_PROTO"]);
        Assert.Equal("443", env["KUBERNETES_PORT_443_TCP_PORT"]);
        Assert.Equal("10.43.0.1", env["KUBERNETES_PORT_443_TCP_ADDR"]);

        Assert.Equal("10.43.0.20", env["WEB_API_SERVICE_HOST"]);
        Assert.Equal("80", env["WEB_API_SERVICE_PORT"]);
        Assert.Equal("53", env["WEB_API_SERVICE_PORT_DNS_UDP"]);
        Assert.Equal("tcp://10.43.0.20:80", env["WEB_API_PORT"]);
        Assert.Equal("udp://10.43.0.20:53", env["WEB_API_PORT_53_UDP"]);
        Assert.Equal("udp", env["WEB_API_PORT_53_UDP_PROTO"]);

        Assert.DoesNotContain(env.Keys, k => k.StartsWith("HEADLESS_", StringComparison.Ordinal) || k.StartsWith("DB_", StringComparison.Ordinal));
        Assert.Equal(20, env.Count);
    }

    [Fact]
    public async Task Without_service_links_only_the_master_remains_and_nothing_before_the_first_list()
    {
        var env = await new ServiceEnvironment(Cluster, Synced).ForAsync(Pod("team", links: false), CancellationToken.None);
        Assert.All(env, kv => Assert.StartsWith("KUBERNETES_", kv.Key, StringComparison.Ordinal));
        Assert.NotEmpty(env);

        var early = await Assert.ThrowsAsync<ContainerConfigException>(() => new ServiceEnvironment(Cluster, _ => Task.FromResult(false)).ForAsync(Pod("team"), CancellationToken.None));
        Assert.Equal("services have not yet been read at least once, cannot construct envvars", early.Message);
    }

    [Fact]
    public async Task Container_variables_come_first_may_use_service_variables_and_win_over_them()
    {
        var builder = new EnvironmentBuilder(new ConfigObjects(new Skiff.Testing.FakeApiClient()), new ServiceEnvironment(Cluster, Synced));
        var pod = Pod("team");
        pod.Spec.Containers[0].Env =
        [
            new V1EnvVar { Name = "API", Value = "https://$(KUBERNETES_SERVICE_HOST):$(KUBERNETES_SERVICE_PORT)" },
            new V1EnvVar { Name = "WEB_API_SERVICE_PORT", Value = "8080" },
        ];
        var env = await builder.BuildAsync(pod, pod.Spec.Containers[0], new PodNetworkFacts("n", "10.0.0.1", "10.42.0.2", 2, 1L << 30), CancellationToken.None);
        Assert.Equal(("API", "https://10.43.0.1:443"), (env[0].Key, env[0].Value));
        Assert.Equal("8080", Assert.Single(env, e => e.Key == "WEB_API_SERVICE_PORT").Value);
        Assert.Contains(env, e => e.Key == "KUBERNETES_SERVICE_HOST");
    }
}
