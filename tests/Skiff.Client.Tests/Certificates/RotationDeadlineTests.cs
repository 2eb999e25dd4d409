using Skiff.Client.Certificates;

namespace Skiff.Client.Tests.Certificates;

public sealed class RotationDeadlineTests
{
    private static readonly DateTimeOffset NotBefore = new(2026, 12, 1, 0, 0, 0, TimeSpan.Zero);

    [Theory]
    [InlineData(0.0, 70)]
    [InlineData(0.5, 80)]
    [InlineData(0.999999, 90)]
    public void The_deadline_falls_between_70_and_90_percent_of_the_lifetime_from_not_before(double random, int percent)
    {
        var notAfter = NotBefore.AddHours(100);
        var deadline = RotationDeadline.Of(NotBefore, notAfter, random);
        Assert.Equal(NotBefore.AddHours(percent), deadline, TimeSpan.FromSeconds(1));
    }

    [Fact]
    public void A_number_outside_zero_to_one_stays_inside_the_window()
    {
        var notAfter = NotBefore.AddHours(10);
        Assert.Equal(NotBefore.AddHours(7), RotationDeadline.Of(NotBefore, notAfter, -3));
        Assert.Equal(NotBefore.AddHours(9), RotationDeadline.Of(NotBefore, notAfter, 5));
    }
}
