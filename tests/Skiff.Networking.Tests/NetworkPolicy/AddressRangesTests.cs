using Skiff.Networking.NetworkPolicy;

namespace Skiff.Networking.Tests.NetworkPolicy;

public sealed class AddressRangesTests
{
    [Fact]
    public void Blocks_minus_excepts_and_addresses_merge_into_disjoint_intervals()
    {
        var ranges = new AddressRanges();
        ranges.AddBlock("10.0.0.0/24", ["10.0.0.128/25"]);
        ranges.AddAddress("10.0.0.128");
        ranges.AddAddress("10.0.1.1");
        ranges.AddBlock("10.0.1.0/30", null);
        Assert.Equal(["10.0.0.0-10.0.0.128", "10.0.1.0/30"], ranges.Elements());
        Assert.Equal("ip saddr { 10.0.0.0-10.0.0.128, 10.0.1.0/30 }", ranges.Match("ip saddr"));
    }

    [Fact]
    public void The_whole_space_ipv6_and_garbage()
    {
        var ranges = new AddressRanges();
        ranges.AddBlock("fd00::/8", null);
        ranges.AddAddress("not-an-ip");
        Assert.True(ranges.IsEmpty);
        ranges.AddBlock("0.0.0.0/0", ["10.0.0.0/8"]);
        Assert.Equal(["0.0.0.0-9.255.255.255", "11.0.0.0-255.255.255.255"], ranges.Elements());
    }
}
