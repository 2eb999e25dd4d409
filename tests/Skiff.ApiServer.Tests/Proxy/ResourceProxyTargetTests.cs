using k8s.Models;
using Skiff.ApiServer.Http;
using Skiff.ApiServer.Proxy;

namespace Skiff.ApiServer.Tests.Proxy;

/// <summary>The proxy subresources' URLs and targets, as kube-apiserver resolves them.</summary>
public sealed class ResourceProxyTargetTests
{
    [Theory]
    [InlineData("/api/v1/namespaces/default/services/web:80/proxy/", "default", "services", "web:80", "/")]
    [InlineData("/api/v1/namespaces/default/services/https:web:443/proxy", "default", "services", "https:web:443", "")]
    [InlineData("/api/v1/namespaces/default/pods/web/proxy/a/b/index.html", "default", "pods", "web", "/a/b/index.html")]
    [InlineData("/api/v1/nodes/node-1/proxy/healthz", null, "nodes", "node-1", "/healthz")]
    [InlineData("/api/v1/nodes/node-1/proxy/logs/", null, "nodes", "node-1", "/logs/")]
    public void Proxy_paths_keep_the_rest_of_the_path(string path, string? ns, string resource, string name, string proxyPath)
    {
        var info = RequestInfo.Parse(path)!;
        Assert.Equal((ns, resource, name, "proxy", proxyPath), (info.Namespace, info.Resource, info.Name, info.Subresource, info.ProxyPath));
    }

    [Theory]
    [InlineData("web", "", "web", "")]
    [InlineData("web:8080", "", "web", "8080")]
    [InlineData("https:web:443", "https", "web", "443")]
    [InlineData("https:web:", "https", "web", "")]
    public void Ids_split_into_scheme_name_and_port(string id, string scheme, string name, string port) =>
        Assert.Equal((scheme, name, port), ProxyTarget.Split(id));

    [Theory]
    [InlineData("ftp:web:21")]
    [InlineData("a:b:c:d")]
    [InlineData(":80")]
    public void Bad_ids_are_refused(string id) => Assert.Null(ProxyTarget.Split(id));

    [Fact]
    public void A_service_port_by_name_or_number_goes_to_a_ready_endpoint_of_that_port()
    {
        var service = new V1Service
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1ServiceSpec { Ports = [new V1ServicePort { Name = "http", Port = 80 }, new V1ServicePort { Name = "metrics", Port = 9100 }] },
        };
        var endpoints = new V1Endpoints
        {
            Subsets =
            [
                new V1EndpointSubset
                {
                    Addresses = [new V1EndpointAddress { Ip = "10.88.0.5" }],
                    Ports = [new Corev1EndpointPort { Name = "http", Port = 8080 }, new Corev1EndpointPort { Name = "metrics", Port = 9100 }],
                },
            ],
        };
        Assert.Equal(new ProxyTarget("http", "10.88.0.5", 8080), ProxyTarget.ForService(service, endpoints, "", "80", new Random(1)));
        Assert.Equal(new ProxyTarget("https", "10.88.0.5", 9100), ProxyTarget.ForService(service, endpoints, "https", "metrics", new Random(1)));
        Assert.Equal(new ProxyTarget("http", "10.88.0.5", 8080), ProxyTarget.ForService(service, endpoints, "", "", new Random(1)));

        var noPort = Assert.Throws<ApiException>(() => ProxyTarget.ForService(service, endpoints, "", "81", new Random(1)));
        Assert.Equal((503, "no service port \"81\" found for service \"web\""), (noPort.Status.Code!.Value, noPort.Status.Message));
        var none = Assert.Throws<ApiException>(() => ProxyTarget.ForService(service, null, "", "80", new Random(1)));
        Assert.Equal((503, "no endpoints available for service \"web\""), (none.Status.Code!.Value, none.Status.Message));
    }

    [Fact]
    public void A_pod_without_a_port_gets_its_first_container_port_and_without_an_ip_is_refused()
    {
        var pod = new V1Pod
        {
            Metadata = new V1ObjectMeta { Name = "web" },
            Spec = new V1PodSpec { Containers = [new V1Container { Name = "c", Ports = [new V1ContainerPort { ContainerPort = 8080 }] }] },
            Status = new V1PodStatus { PodIP = "10.88.0.9" },
        };
        Assert.Equal(new ProxyTarget("http", "10.88.0.9", 8080), ProxyTarget.ForPod(pod, "", ""));
        Assert.Equal(new ProxyTarget("http", "10.88.0.9", 81), ProxyTarget.ForPod(pod, "", "81"));
        pod.Status.PodIP = null;
        Assert.Equal(400, Assert.Throws<ApiException>(() => ProxyTarget.ForPod(pod, "", "")).Status.Code);
    }

    [Fact]
    public void A_node_is_reached_at_its_kubelet_over_https()
    {
        var node = new V1Node
        {
            Metadata = new V1ObjectMeta { Name = "n" },
            Status = new V1NodeStatus
            {
                Addresses = [new V1NodeAddress { Type = "InternalIP", Address = "192.0.2.4" }],
                DaemonEndpoints = new V1NodeDaemonEndpoints { KubeletEndpoint = new V1DaemonEndpoint { Port = 10250 } },
            },
        };
        Assert.Equal(new ProxyTarget("https", "192.0.2.4", 10250), ProxyTarget.ForNode(node, "", ""));
        Assert.Equal(new ProxyTarget("http", "192.0.2.4", 10255), ProxyTarget.ForNode(node, "http", "10255"));
    }
}
