using k8s.Models;
using Skiff.Api.Dns;
using Skiff.Kubelet.Pods;

namespace Skiff.Kubelet.Tests;

/// <summary>The pod's resolv.conf and /etc/hosts as the upstream kubelet writes them.</summary>
public sealed class PodDnsTests
{
    private static readonly ResolvConf Host = ResolvConf.Parse("""
        # the node's
        nameserver 192.0.2.53
        nameserver 192.0.2.54
        search corp.example lab.example
        options timeout:2 attempts:3
        """);

    [Fact]
    public void ClusterFirst_names_the_cluster_dns_with_the_namespace_search_path_then_the_hosts_and_ndots_5()
    {
        var config = PodDns.Build(Pod(ns: "shop"), ["10.43.0.10"], "cluster.local", Host);
        Assert.Equal(
            "search shop.svc.cluster.local svc.cluster.local cluster.local corp.example lab.example\nnameserver 10.43.0.10\noptions ndots:5\n",
            PodDns.Render(config));
    }

    [Fact]
    public void ClusterFirst_on_the_host_network_and_Default_take_the_hosts_resolv_conf()
    {
        var expected = "search corp.example lab.example\nnameserver 192.0.2.53\nnameserver 192.0.2.54\noptions timeout:2 attempts:3\n";
        Assert.Equal(expected, PodDns.Render(PodDns.Build(Pod(hostNetwork: true), ["10.43.0.10"], "cluster.local", Host)));
        Assert.Equal(expected, PodDns.Render(PodDns.Build(Pod(policy: "Default"), ["10.43.0.10"], "cluster.local", Host)));
        // Without a cluster DNS, ClusterFirst falls back to the host's too.
        Assert.Equal(expected, PodDns.Render(PodDns.Build(Pod(), [], "cluster.local", Host)));
    }

    [Fact]
    public void ClusterFirstWithHostNet_uses_the_cluster_dns_on_the_host_network()
    {
        var config = PodDns.Build(Pod(policy: "ClusterFirstWithHostNet", hostNetwork: true), ["10.43.0.10"], "cluster.local", Host);
        Assert.Equal(["10.43.0.10"], config.Servers);
        Assert.Equal("default.svc.cluster.local", config.Searches[0]);
    }

    [Fact]
    public void None_takes_only_the_pods_dns_config()
    {
        var pod = Pod(policy: "None");
        pod.Spec.DnsConfig = new V1PodDNSConfig
        {
            Nameservers = ["1.1.1.1"],
            Searches = ["ns1.svc.cluster-domain.example", "my.dns.search.suffix"],
            Options = [new V1PodDNSConfigOption { Name = "ndots", Value = "2" }, new V1PodDNSConfigOption { Name = "edns0" }],
        };
        Assert.Equal(
            "search ns1.svc.cluster-domain.example my.dns.search.suffix\nnameserver 1.1.1.1\noptions ndots:2 edns0\n",
            PodDns.Render(PodDns.Build(pod, ["10.43.0.10"], "cluster.local", Host)));
    }

    [Fact]
    public void DnsConfig_is_merged_into_ClusterFirst_options_by_name_and_lists_without_duplicates()
    {
        var pod = Pod();
        pod.Spec.DnsConfig = new V1PodDNSConfig
        {
            Nameservers = ["10.43.0.10", "8.8.8.8"],
            Searches = ["svc.cluster.local", "extra.example"],
            Options = [new V1PodDNSConfigOption { Name = "ndots", Value = "1" }, new V1PodDNSConfigOption { Name = "single-request-reopen" }],
        };
        var config = PodDns.Build(pod, ["10.43.0.10"], "cluster.local", Host);
        Assert.Equal(["10.43.0.10", "8.8.8.8"], config.Servers);
        Assert.Equal(["default.svc.cluster.local", "svc.cluster.local", "cluster.local", "corp.example", "lab.example", "extra.example"], config.Searches);
        Assert.Equal(["ndots:1", "single-request-reopen"], config.Options);
    }

    [Fact]
    public void At_most_three_nameservers_are_kept()
    {
        var pod = Pod(policy: "None");
        pod.Spec.DnsConfig = new V1PodDNSConfig { Nameservers = ["1.1.1.1", "2.2.2.2", "3.3.3.3", "4.4.4.4"] };
        Assert.Equal(3, PodDns.Build(pod, [], "cluster.local", Host).Servers.Count);
    }

    [Fact]
    public void Hosts_file_has_localhost_the_pod_and_its_aliases()
    {
        var pod = Pod();
        pod.Spec.HostAliases = [new V1HostAlias { Ip = "192.0.2.10", Hostnames = ["foo.local", "bar.local"] }];
        Assert.Equal(
            "# Kubernetes-managed hosts file.\n127.0.0.1\tlocalhost\n::1\tlocalhost ip6-localhost ip6-loopback\n"
            + "fe00::0\tip6-localnet\nfe00::0\tip6-mcastprefix\nfe00::1\tip6-allnodes\nfe00::2\tip6-allrouters\n"
            + "10.88.0.7\tweb\n\n# Entries added by HostAliases.\n192.0.2.10\tfoo.local\tbar.local\n",
            PodHostsFile.Render(pod, "10.88.0.7", "cluster.local", null));
    }

    [Fact]
    public void Hosts_file_names_the_pod_in_its_subdomain()
    {
        var pod = Pod(ns: "db");
        pod.Spec.Hostname = "pg-0";
        pod.Spec.Subdomain = "pg";
        Assert.Contains("10.88.0.8\tpg-0.pg.db.svc.cluster.local\tpg-0\n", PodHostsFile.Render(pod, "10.88.0.8", "cluster.local", null), StringComparison.Ordinal);
    }

    [Fact]
    public void Hosts_file_of_a_host_network_pod_is_the_nodes_plus_aliases()
    {
        var pod = Pod(hostNetwork: true);
        pod.Spec.HostAliases = [new V1HostAlias { Ip = "192.0.2.10", Hostnames = ["foo"] }];
        Assert.Equal("127.0.0.1 localhost node\n\n# Entries added by HostAliases.\n192.0.2.10\tfoo\n", PodHostsFile.Render(pod, "192.0.2.2", "cluster.local", "127.0.0.1 localhost node\n"));
    }

    private static V1Pod Pod(string ns = "default", string? policy = null, bool hostNetwork = false) => new()
    {
        Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = ns, Uid = "uid-web" },
        Spec = new V1PodSpec { DnsPolicy = policy, HostNetwork = hostNetwork, Containers = [new V1Container { Name = "c", Image = "busybox" }] },
    };
}
