using System.Globalization;
using System.Text.Json.Nodes;

namespace Skiff.ApiServer.Tests.Services;

[Collection(ServerCollection.Name)]
public sealed class ServiceAllocationHttpTests(ServerFixture fx)
{
    private static string Service(string name, string type = "ClusterIP", string? clusterIp = null, int? nodePort = null, string? externalName = null)
    {
        var spec = new JsonObject { ["type"] = type };
        if (clusterIp is not null)
        {
            spec["clusterIP"] = clusterIp;
        }

        if (externalName is not null)
        {
            spec["externalName"] = externalName;
        }
        else
        {
            var port = new JsonObject { ["port"] = 80 };
            if (nodePort is not null)
            {
                port["nodePort"] = nodePort;
            }

            spec["ports"] = new JsonArray(port);
            spec["selector"] = new JsonObject { ["app"] = name };
        }

        return new JsonObject { ["apiVersion"] = "v1", ["kind"] = "Service", ["metadata"] = new JsonObject { ["name"] = name }, ["spec"] = spec }.ToJsonString();
    }

    private async Task<(int Code, JsonNode Body)> CreateAsync(string ns, string body)
    {
        var (code, text, _) = await fx.SendAsync(HttpMethod.Post, $"/api/v1/namespaces/{ns}/services", body);
        return (code, JsonNode.Parse(text)!);
    }

    /// <summary>An address in the default range no other test picks (the static band, offsets 2..255).</summary>
    private static string UniqueStaticIp() => "10.43.0." + System.Security.Cryptography.RandomNumberGenerator.GetInt32(2, 255).ToString(CultureInfo.InvariantCulture);

    [Fact]
    public async Task A_ClusterIP_service_gets_an_address_from_the_upper_band_with_upstream_single_stack_defaults()
    {
        var ns = await fx.NewNamespaceAsync();
        var (code, svc) = await CreateAsync(ns, Service("web"));
        Assert.Equal(201, code);
        var spec = svc["spec"]!;
        var ip = System.Net.IPAddress.Parse((string)spec["clusterIP"]!);
        var bytes = ip.GetAddressBytes();
        Assert.Equal([10, 43], bytes[..2]);
        Assert.True(bytes[2] >= 1, $"{ip} should come from the dynamic band (above 10.43.0.255)");
        Assert.Equal((string?)spec["clusterIP"], (string?)spec["clusterIPs"]![0]);
        Assert.Equal("IPv4", (string?)spec["ipFamilies"]![0]);
        Assert.Equal("SingleStack", (string?)spec["ipFamilyPolicy"]);
    }

    [Fact]
    public async Task An_explicit_cluster_IP_is_honoured_once_then_refused_with_upstream_422_until_released()
    {
        var ns = await fx.NewNamespaceAsync();
        string ip;
        int code;
        JsonNode body;
        do
        {
            ip = UniqueStaticIp();
            (code, body) = await CreateAsync(ns, Service("first", clusterIp: ip));
        }
        while (code == 422);

        Assert.Equal(201, code);
        Assert.Equal(ip, (string?)body["spec"]!["clusterIP"]);

        (code, body) = await CreateAsync(ns, Service("second", clusterIp: ip));
        Assert.Equal(422, code);
        Assert.Equal($"Service \"second\" is invalid: spec.clusterIPs: Invalid value: []string{{\"{ip}\"}}: failed to allocate IP {ip}: provided IP is already allocated", (string?)body["message"]);
        Assert.Equal("spec.clusterIPs", (string?)body["details"]!["causes"]![0]!["field"]);

        var (deleted, _, _) = await fx.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/services/first");
        Assert.Equal(200, deleted);
        (code, _) = await CreateAsync(ns, Service("second", clusterIp: ip));
        Assert.Equal(201, code);
        await fx.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/services/second");
    }

    [Fact]
    public async Task An_address_outside_the_range_is_refused()
    {
        var ns = await fx.NewNamespaceAsync();
        var (code, body) = await CreateAsync(ns, Service("outside", clusterIp: "10.0.0.5"));
        Assert.Equal(422, code);
        Assert.Equal("Service \"outside\" is invalid: spec.clusterIPs: Invalid value: []string{\"10.0.0.5\"}: failed to allocate IP 10.0.0.5: the provided IP (10.0.0.5) is not in the valid range. The range of valid IPs is 10.43.0.0/16", (string?)body["message"]);
    }

    [Fact]
    public async Task Headless_and_ExternalName_services_get_no_address()
    {
        var ns = await fx.NewNamespaceAsync();
        var (code, headless) = await CreateAsync(ns, Service("headless", clusterIp: "None"));
        Assert.Equal(201, code);
        Assert.Equal("None", (string?)headless["spec"]!["clusterIP"]);
        Assert.Equal("None", (string?)headless["spec"]!["clusterIPs"]![0]);

        (code, var external) = await CreateAsync(ns, Service("db", type: "ExternalName", externalName: "db.example.com"));
        Assert.Equal(201, code);
        Assert.Null(external["spec"]!["clusterIP"]);
        Assert.Null(external["spec"]!["ipFamilies"]);
    }

    [Fact]
    public async Task NodePort_services_get_ports_in_range_and_duplicates_or_out_of_range_ports_are_422()
    {
        var ns = await fx.NewNamespaceAsync();
        var (code, svc) = await CreateAsync(ns, Service("np", type: "NodePort"));
        Assert.Equal(201, code);
        var nodePort = (int)svc["spec"]!["ports"]![0]!["nodePort"]!;
        Assert.InRange(nodePort, 30086, 32767); // the dynamic band first

        (code, var dup) = await CreateAsync(ns, Service("np2", type: "NodePort", nodePort: nodePort));
        Assert.Equal(422, code);
        Assert.Equal($"Service \"np2\" is invalid: spec.ports[0].nodePort: Invalid value: {nodePort}: provided port is already allocated", (string?)dup["message"]);

        (code, var outside) = await CreateAsync(ns, Service("np3", type: "NodePort", nodePort: 8080));
        Assert.Equal(422, code);
        Assert.Equal("Service \"np3\" is invalid: spec.ports[0].nodePort: Invalid value: 8080: provided port is not in the valid range. The range of valid ports is 30000-32767", (string?)outside["message"]);

        // Changing the type to ClusterIP releases the node port: another service may take it.
        var (patched, _, _) = await fx.SendAsync(HttpMethod.Patch, $"/api/v1/namespaces/{ns}/services/np", "{\"spec\":{\"type\":\"ClusterIP\"}}", "application/merge-patch+json");
        Assert.Equal(200, patched);
        (code, _) = await CreateAsync(ns, Service("np2", type: "NodePort", nodePort: nodePort));
        Assert.Equal(201, code);
        await fx.SendAsync(HttpMethod.Delete, $"/api/v1/namespaces/{ns}/services/np2");
    }

    [Fact]
    public async Task The_kubernetes_service_sits_at_the_first_address_with_this_server_in_its_endpoints()
    {
        var port = fx.Server.Address.Port;
        JsonNode? endpoints = null;
        for (var i = 0; i < 50 && endpoints is null; i++)
        {
            var (code, body, _) = await fx.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/endpoints/kubernetes");
            if (code == 200)
            {
                endpoints = JsonNode.Parse(body);
            }
            else
            {
                await Task.Delay(100);
            }
        }

        Assert.NotNull(endpoints);
        var (_, serviceBody, _) = await fx.SendAsync(HttpMethod.Get, "/api/v1/namespaces/default/services/kubernetes");
        var service = JsonNode.Parse(serviceBody)!;
        Assert.Equal("10.43.0.1", (string?)service["spec"]!["clusterIP"]);
        Assert.Equal(443, (int)service["spec"]!["ports"]![0]!["port"]!);
        Assert.Equal(port, (int)service["spec"]!["ports"]![0]!["targetPort"]!);
        var subset = endpoints!["subsets"]![0]!;
        Assert.Equal(port, (int)subset["ports"]![0]!["port"]!);
        Assert.Single(subset["addresses"]!.AsArray());

        var (sliceCode, sliceBody, _) = await fx.SendAsync(HttpMethod.Get, "/apis/discovery.k8s.io/v1/namespaces/default/endpointslices/kubernetes");
        Assert.Equal(200, sliceCode);
        var slice = JsonNode.Parse(sliceBody)!;
        Assert.Equal("IPv4", (string?)slice["addressType"]);
        Assert.Equal(port, (int)slice["ports"]![0]!["port"]!);
    }
}
