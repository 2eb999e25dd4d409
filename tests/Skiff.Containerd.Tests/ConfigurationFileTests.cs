using System.Text.Json.Nodes;

namespace Skiff.Containerd.Tests;

public sealed class ConfigurationFileTests
{
    private static readonly ContainerdOptions Options = ContainerdOptions.ForNode("/var/lib/skiff/node-2", 2);

    [Fact]
    public void ForNode_gives_each_node_its_own_bridge_subnet_and_port()
    {
        Assert.Equal("skiff2", Options.BridgeName);
        Assert.Equal("10.88.2.0/24", Options.Subnet);
        Assert.Equal(10012, Options.StreamPort);
        Assert.Equal("/var/lib/skiff/node-2/containerd.sock", Options.SocketPath);
        var first = ContainerdOptions.ForNode("/var/lib/skiff/node-0", 0);
        Assert.Equal(ContainerdOptions.DefaultBridgeName, first.BridgeName);
        Assert.Equal(ContainerdOptions.DefaultSubnet, first.Subnet);
        Assert.Equal(ContainerdOptions.DefaultStreamPort, first.StreamPort);
    }

    [Fact]
    public void Containerd_config_keeps_everything_under_the_state_dir_and_sets_the_keys_this_machine_needs()
    {
        var toml = ContainerdConfigFile.Render(Options);
        Assert.Contains("version = 2", toml, StringComparison.Ordinal);
        Assert.Contains("root = \"/var/lib/skiff/node-2/root\"", toml, StringComparison.Ordinal);
        Assert.Contains("state = \"/var/lib/skiff/node-2/run\"", toml, StringComparison.Ordinal);
        Assert.Contains("address = \"/var/lib/skiff/node-2/containerd.sock\"", toml, StringComparison.Ordinal);
        Assert.Contains("restrict_oom_score_adj = true", toml, StringComparison.Ordinal);
        Assert.Contains("sandbox_image = \"registry.k8s.io/pause:3.10\"", toml, StringComparison.Ordinal);
        Assert.Contains("stream_server_address = \"127.0.0.1\"", toml, StringComparison.Ordinal);
        Assert.Contains("stream_server_port = \"10012\"", toml, StringComparison.Ordinal);
        Assert.Contains("bin_dir = \"/usr/lib/cni\"", toml, StringComparison.Ordinal);
        Assert.Contains("conf_dir = \"/var/lib/skiff/node-2/cni/net.d\"", toml, StringComparison.Ordinal);
        Assert.Contains("SystemdCgroup = false", toml, StringComparison.Ordinal);
        Assert.Contains("max_container_log_line_size = 16384", toml, StringComparison.Ordinal);
        Assert.Contains("config_path = \"/var/lib/skiff/node-2/certs.d\"", toml, StringComparison.Ordinal);
    }

    [Fact]
    public void Toml_strings_are_escaped()
    {
        Assert.Equal("\"a\\\"b\\\\c\\u000A\"", ContainerdConfigFile.Quote("a\"b\\c\n"));
    }

    [Fact]
    public void Cni_conflist_is_a_bridge_with_host_local_ipam_and_portmap()
    {
        var conflist = JsonNode.Parse(CniConfigFile.Render(Options))!;
        Assert.Equal("skiff-skiff2", conflist["name"]!.GetValue<string>());
        var bridge = conflist["plugins"]![0]!;
        Assert.Equal("bridge", bridge["type"]!.GetValue<string>());
        Assert.Equal("skiff2", bridge["bridge"]!.GetValue<string>());
        Assert.True(bridge["isGateway"]!.GetValue<bool>());
        var range = bridge["ipam"]!["ranges"]![0]![0]!;
        Assert.Equal("10.88.2.0/24", range["subnet"]!.GetValue<string>());
        Assert.Equal("10.88.2.1", range["gateway"]!.GetValue<string>());
        Assert.Equal("/var/lib/skiff/node-2/cni/networks", bridge["ipam"]!["dataDir"]!.GetValue<string>());
        Assert.Equal("portmap", conflist["plugins"]![1]!["type"]!.GetValue<string>());
        Assert.Null(bridge["mtu"]); // the plugin's default unless a pod MTU is given
    }

    [Fact]
    public void Cni_bridge_gets_the_pod_mtu_when_one_is_given()
    {
        var conflist = JsonNode.Parse(CniConfigFile.Render(Options with { PodMtu = 1450 }))!;
        Assert.Equal(1450, conflist["plugins"]![0]!["mtu"]!.GetValue<int>());
    }

    [Theory]
    [InlineData("relative/dir", "skiff0", "10.88.0.0/24", 10010)]
    [InlineData("/tmp/x", "a-bridge-name-too-long", "10.88.0.0/24", 10010)]
    [InlineData("/tmp/x", "bad name", "10.88.0.0/24", 10010)]
    [InlineData("/tmp/x", "skiff0", "10.88.0.0", 10010)]
    [InlineData("/tmp/x", "skiff0", "10.88.0.0/24", 0)]
    public void Invalid_options_are_refused(string stateDir, string bridge, string subnet, int port)
    {
        var options = new ContainerdOptions { StateDir = stateDir, BridgeName = bridge, Subnet = subnet, StreamPort = port };
        Assert.ThrowsAny<Exception>(options.Validate);
    }

    [Fact]
    public void A_socket_path_longer_than_unix_allows_is_refused()
    {
        var options = new ContainerdOptions { StateDir = "/tmp/" + new string('d', 100) };
        var error = Assert.Throws<ArgumentException>(options.Validate);
        Assert.Contains("longer than a unix socket allows", error.Message, StringComparison.Ordinal);
    }
}
