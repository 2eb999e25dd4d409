using System.Net;

namespace Skiff.Containerd.Tests;

public sealed class Ipv4SubnetTests
{
    [Fact]
    public void Parses_cidr_and_derives_the_gateway()
    {
        var subnet = Ipv4Subnet.Parse("10.88.3.0/24");
        Assert.Equal("10.88.3.0/24", subnet.ToString());
        Assert.Equal(IPAddress.Parse("10.88.3.1"), subnet.Gateway);
    }

    [Fact]
    public void Host_bits_are_cleared()
    {
        Assert.Equal("10.88.0.0/16", Ipv4Subnet.Parse("10.88.7.9/16").ToString());
    }

    [Theory]
    [InlineData("10.88.0.0")]
    [InlineData("10.88.0.0/33")]
    [InlineData("10.88.0.0/31")]
    [InlineData("fd00::/64")]
    [InlineData("nonsense/24")]
    [InlineData("10.88.0.0/-1")]
    public void Rejects_what_is_not_a_usable_ipv4_cidr(string text)
    {
        Assert.False(Ipv4Subnet.TryParse(text, out _));
        Assert.Throws<FormatException>(() => Ipv4Subnet.Parse(text));
    }

    [Theory]
    [InlineData("10.88.0.0/24", "10.88.0.0/16", true)]
    [InlineData("10.88.0.0/24", "10.88.1.0/24", false)]
    [InlineData("10.0.0.0/8", "10.200.3.0/24", true)]
    [InlineData("192.168.0.0/16", "10.0.0.0/8", false)]
    public void Overlap_is_symmetric(string a, string b, bool overlaps)
    {
        Assert.Equal(overlaps, Ipv4Subnet.Parse(a).Overlaps(Ipv4Subnet.Parse(b)));
        Assert.Equal(overlaps, Ipv4Subnet.Parse(b).Overlaps(Ipv4Subnet.Parse(a)));
    }

    [Fact]
    public void Contains_checks_the_network_part()
    {
        var subnet = Ipv4Subnet.Parse("10.88.3.0/24");
        Assert.True(subnet.Contains(IPAddress.Parse("10.88.3.77")));
        Assert.False(subnet.Contains(IPAddress.Parse("10.88.4.1")));
        Assert.False(subnet.Contains(IPAddress.IPv6Loopback));
    }
}
