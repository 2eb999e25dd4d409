using Skiff.Controllers.NodeIpam;

namespace Skiff.Controllers.Tests.NodeIpam;

public sealed class CidrSetTests
{
    [Fact]
    public void Hands_out_the_blocks_in_order_then_none_when_full()
    {
        var set = new CidrSet("10.42.0.0/22", 24);
        Assert.Equal(4, set.Capacity);
        Assert.Equal(["10.42.0.0/24", "10.42.1.0/24", "10.42.2.0/24", "10.42.3.0/24"], Enumerable.Range(0, 4).Select(_ => set.AllocateNext()));
        Assert.Null(set.AllocateNext());
        Assert.Equal(4, set.UsedCount);
    }

    [Fact]
    public void A_released_block_is_given_again_only_after_the_others()
    {
        var set = new CidrSet("10.42.0.0/22", 24);
        Assert.Equal("10.42.0.0/24", set.AllocateNext());
        Assert.Equal("10.42.1.0/24", set.AllocateNext());
        Assert.True(set.Release("10.42.0.0/24"));
        Assert.Equal("10.42.2.0/24", set.AllocateNext());
        Assert.Equal("10.42.3.0/24", set.AllocateNext());
        Assert.Equal("10.42.0.0/24", set.AllocateNext());
        Assert.Null(set.AllocateNext());
    }

    [Fact]
    public void Occupied_ranges_are_skipped_whatever_their_size_and_outside_ranges_ignored()
    {
        var set = new CidrSet("10.42.0.0/16", 24);
        Assert.True(set.Occupy("10.42.0.0/23"));       // two blocks at once
        Assert.True(set.Occupy("10.42.2.7/24"));       // host bits are cleared, as Go's ParseCIDR does
        Assert.False(set.Occupy("10.88.0.0/24"));      // another range: not ours to track
        Assert.False(set.Occupy("not-a-cidr"));
        Assert.Equal(3, set.UsedCount);
        Assert.Equal("10.42.3.0/24", set.AllocateNext());
        Assert.True(set.IsUsed("10.42.1.0/24"));
    }

    [Theory]
    [InlineData("10.42.0.0/16", 15)]
    [InlineData("10.42.0.0/16", 31)]
    [InlineData("10.0.0.0/8", 25)]
    [InlineData("fd00::/64", 80)]
    [InlineData("10.42.0.0", 24)]
    public void Refuses_a_mask_that_does_not_fit_or_a_range_that_is_not_IPv4(string cidr, int mask) =>
        Assert.Throws<ArgumentException>(() => new CidrSet(cidr, mask));
}
