using k8s.Models;
using Skiff.Networking.Dns;
using static Skiff.Networking.Tests.Dns.DnsObjects;

namespace Skiff.Networking.Tests.Dns;

public class SharedStringsTests
{
    [Fact]
    public void Equal_strings_come_back_as_one_instance()
    {
        var strings = new SharedStrings();
        var first = strings.Get(new string("default".AsSpan()));
        var second = strings.Get(new string("default".AsSpan()));
        Assert.Same(first, second);
        Assert.Equal("default", second);
        Assert.Null(strings.Get(null));
        Assert.Equal(1, strings.Count);
    }

    [Fact]
    public void Past_its_capacity_a_string_is_kept_as_given()
    {
        var strings = new SharedStrings(capacity: 2);
        strings.Get("a");
        strings.Get("b");
        var c = new string("c".AsSpan());
        Assert.Same(c, strings.Get(c));
        Assert.NotSame(strings.Get(new string("c".AsSpan())), c);
        Assert.Equal(2, strings.Count);
        Assert.Same(strings.Get("a"), strings.Get(new string("a".AsSpan()))); // the shared ones still are
    }

    [Fact]
    public void Projected_objects_of_one_namespace_share_its_name_and_their_port_strings()
    {
        // As decoded from JSON: every object with its own copy of each string.
        V1Service Decoded(string name) => ClusterIp(name, "10.43.0.20", new string("team-a".AsSpan()), Port(new string("http".AsSpan()), 80, new string("TCP".AsSpan())));
        var one = DnsProjection.Project(Decoded("one"));
        var two = DnsProjection.Project(Decoded("two"));
        Assert.Same(one.Metadata.NamespaceProperty, two.Metadata.NamespaceProperty);
        Assert.Same(one.Spec.Ports[0].Name, two.Spec.Ports[0].Name);
        Assert.Same(one.Spec.Ports[0].Protocol, two.Spec.Ports[0].Protocol);
        Assert.Equal("team-a", two.Metadata.NamespaceProperty);
    }
}
