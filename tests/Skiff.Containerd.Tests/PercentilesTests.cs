namespace Skiff.Containerd.Tests;

public sealed class PercentilesTests
{
    [Fact]
    public void Nearest_rank_percentiles()
    {
        var samples = Enumerable.Range(1, 100).Select(i => (double)i).Reverse().ToList();
        var p = Percentiles.Of(samples);
        Assert.Equal(50, p.P50);
        Assert.Equal(90, p.P90);
        Assert.Equal(99, p.P99);
        Assert.Equal(100, p.Max);
    }

    [Fact]
    public void A_single_sample_is_every_percentile()
    {
        Assert.Equal(new Percentiles(7, 7, 7, 7), Percentiles.Of([7.0]));
    }

    [Fact]
    public void No_samples_is_an_error()
    {
        Assert.Throws<ArgumentException>(() => Percentiles.Of([]));
    }
}
