using Skiff.Api.Text;
using Skiff.Apimachinery.Printing;

namespace Skiff.Apimachinery.Tests;

public sealed class HumanDurationTests
{
    [Theory]
    [InlineData(-5, "<invalid>")]
    [InlineData(-1, "0s")]
    [InlineData(0, "0s")]
    [InlineData(48, "48s")]
    [InlineData(119, "119s")]
    [InlineData(120, "2m")]
    [InlineData(200, "3m20s")]
    [InlineData(599, "9m59s")]
    [InlineData(600, "10m")]
    [InlineData(3 * 3600 - 1, "179m")]
    [InlineData(3 * 3600, "3h")]
    [InlineData(5 * 3600 + 7 * 60 + 30, "5h7m")]
    [InlineData(8 * 3600, "8h")]
    [InlineData(47 * 3600 + 59 * 60, "47h")]
    [InlineData(2 * 86400 + 5 * 3600, "2d5h")]
    [InlineData(7 * 86400, "7d")]
    [InlineData(8 * 86400 + 3600, "8d")]
    [InlineData(729 * 86400, "729d")]
    [InlineData(730 * 86400, "2y")]
    [InlineData(740 * 86400, "2y10d")]
    [InlineData(9 * 365 * 86400, "9y")]
    public void Formats_like_kubernetes(long seconds, string expected) =>
        Assert.Equal(expected, HumanDuration.Format(TimeSpan.FromSeconds(seconds)));

    [Fact]
    public void Since_a_missing_timestamp_is_unknown() =>
        Assert.Equal("<unknown>", HumanDuration.Since(null, DateTimeOffset.UnixEpoch));

    [Fact]
    public void Since_counts_from_a_utc_timestamp()
    {
        var created = new DateTime(2026, 11, 27, 13, 0, 6, DateTimeKind.Utc);
        Assert.Equal("48s", HumanDuration.Since(created, new DateTimeOffset(created).AddSeconds(48)));
    }
}
