using Microsoft.Extensions.Time.Testing;
using Skiff.Kubelet.Pods;

namespace Skiff.Kubelet.Tests;

public sealed class BackOffTests
{
    [Fact]
    public void Delays_start_at_10s_double_and_stop_at_5_minutes()
    {
        var time = new FakeTimeProvider();
        var backOff = BackOff.ForContainers(time);
        var delays = Enumerable.Range(0, 8).Select(_ => (int)backOff.Next("c").TotalSeconds).ToList();
        Assert.Equal([10, 20, 40, 80, 160, 300, 300, 300], delays);
    }

    [Fact]
    public void An_event_is_in_back_off_until_the_delay_has_passed()
    {
        var time = new FakeTimeProvider();
        var backOff = BackOff.ForContainers(time);
        var exited = time.GetUtcNow();
        Assert.False(backOff.IsInBackOffSince("c", exited));
        backOff.Next("c");
        Assert.True(backOff.IsInBackOffSince("c", exited));
        time.Advance(TimeSpan.FromSeconds(9));
        Assert.True(backOff.IsInBackOffSince("c", exited));
        time.Advance(TimeSpan.FromSeconds(2));
        Assert.False(backOff.IsInBackOffSince("c", exited));
    }

    [Fact]
    public void Ten_quiet_minutes_reset_the_delay()
    {
        var time = new FakeTimeProvider();
        var backOff = BackOff.ForContainers(time);
        backOff.Next("c");
        backOff.Next("c");
        Assert.Equal(TimeSpan.FromSeconds(20), backOff.Current("c"));
        time.Advance(TimeSpan.FromMinutes(10) + TimeSpan.FromSeconds(1));
        Assert.Equal(TimeSpan.FromSeconds(10), backOff.Next("c"));
    }

    [Theory]
    [InlineData(10, "10s")]
    [InlineData(80, "1m20s")]
    [InlineData(300, "5m0s")]
    [InlineData(3661, "1h1m1s")]
    public void Durations_print_as_Go_prints_them(int seconds, string expected) =>
        Assert.Equal(expected, GoDuration.Format(TimeSpan.FromSeconds(seconds)));
}
