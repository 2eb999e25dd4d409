using k8s.Models;
using Microsoft.Extensions.Logging.Abstractions;
using Microsoft.Extensions.Time.Testing;
using Skiff.Client.Events;
using Skiff.Testing;

namespace Skiff.Client.Tests;

public sealed class EventRecorderTests
{
    private readonly FakeTimeProvider _time = new(DateTimeOffset.Parse("2026-12-05T10:00:00Z", System.Globalization.CultureInfo.InvariantCulture));

    private static Corev1Event Make(string reason, string message, string pod = "web") => new()
    {
        InvolvedObject = new V1ObjectReference { Kind = "Pod", ApiVersion = "v1", Name = pod, NamespaceProperty = "default", Uid = "u-" + pod },
        Type = EventTypes.Normal,
        Reason = reason,
        Message = message,
        Source = new V1EventSource { Component = "kubelet", Host = "n1" },
    };

    [Fact]
    public void A_repeated_event_is_counted_on_the_first_one()
    {
        var correlator = new EventCorrelator(_time);
        var first = correlator.Correlate(Make("BackOff", "Back-off restarting failed container"))!;
        Assert.False(first.IsUpdate);
        correlator.Written(first, "web.1");
        _time.Advance(TimeSpan.FromSeconds(10));
        var second = correlator.Correlate(Make("BackOff", "Back-off restarting failed container"))!;
        Assert.True(second.IsUpdate);
        Assert.Equal("web.1", second.Name);
        Assert.Equal(2, second.Count);
        Assert.Equal(first.First, second.First);
        Assert.Equal(_time.GetUtcNow(), second.Last);
    }

    [Fact]
    public void More_than_ten_similar_messages_within_ten_minutes_are_combined()
    {
        var correlator = new EventCorrelator(_time);
        for (var i = 0; i < EventCorrelator.MaxSimilarEvents - 1; i++)
        {
            var d = correlator.Correlate(Make("Failed", $"error {i}"))!;
            Assert.False(d.IsUpdate);
            Assert.Equal($"error {i}", d.Event.Message);
        }

        var combined = correlator.Correlate(Make("Failed", "error 9"))!;
        Assert.Equal("(combined from similar events): error 9", combined.Event.Message);
        Assert.False(combined.IsUpdate);
        correlator.Written(combined, "web.agg");
        var again = correlator.Correlate(Make("Failed", "error 10"))!;
        Assert.True(again.IsUpdate);
        Assert.Equal("web.agg", again.Name);
        Assert.Equal(2, again.Count);

        // Another reason or another object is not folded in.
        Assert.Equal("ok", correlator.Correlate(Make("Started", "ok"))!.Event.Message);
        Assert.Equal("error 0", correlator.Correlate(Make("Failed", "error 0", pod: "other"))!.Event.Message);

        // After ten quiet minutes the window starts over.
        _time.Advance(TimeSpan.FromMinutes(11));
        Assert.Equal("error 11", correlator.Correlate(Make("Failed", "error 11"))!.Event.Message);
    }

    [Fact]
    public void An_object_gets_a_burst_of_25_events_then_one_per_five_minutes()
    {
        var correlator = new EventCorrelator(_time);
        var allowed = Enumerable.Range(0, 40).Count(i => correlator.Correlate(Make("Reason" + i, "m")) is not null);
        Assert.Equal(25, allowed);
        _time.Advance(TimeSpan.FromMinutes(5));
        Assert.NotNull(correlator.Correlate(Make("Late", "m")));
        Assert.Null(correlator.Correlate(Make("Later", "m")));
        Assert.NotNull(correlator.Correlate(Make("Other object", "m", pod: "db")));
    }

    [Fact]
    public async Task The_broadcaster_creates_an_event_then_counts_repeats_on_it()
    {
        var api = new FakeApiClient(_time);
        var pod = api.Seed(new V1Pod { Metadata = new V1ObjectMeta { Name = "web", NamespaceProperty = "default" } });
        await using var broadcaster = new EventBroadcaster(api, _time, NullLogger.Instance);
        broadcaster.Start();
        var recorder = broadcaster.NewRecorder("kubelet", "n1");
        recorder.Event(pod, EventTypes.Warning, "BackOff", "Back-off restarting failed container web");
        await Eventually.TrueAsync(() => broadcaster.Written == 1, "the event");
        _time.Advance(TimeSpan.FromSeconds(30));
        recorder.Event(pod, EventTypes.Warning, "BackOff", "Back-off restarting failed container web");
        await Eventually.TrueAsync(() => broadcaster.Written == 2, "the repeat");

        var e = Assert.Single(api.All<Corev1Event>());
        Assert.StartsWith("web.", e.Metadata.Name, StringComparison.Ordinal);
        Assert.Equal("default", e.Metadata.NamespaceProperty);
        Assert.Equal(2, e.Count);
        Assert.Equal("Pod", e.InvolvedObject.Kind);
        Assert.Equal("v1", e.InvolvedObject.ApiVersion);
        Assert.Equal(pod.Metadata.Uid, e.InvolvedObject.Uid);
        Assert.Equal("kubelet", e.Source.Component);
        Assert.Equal("n1", e.Source.Host);
        Assert.Equal(_time.GetUtcNow().UtcDateTime, e.LastTimestamp);
        Assert.Equal(e.FirstTimestamp!.Value.AddSeconds(30), e.LastTimestamp);
        Assert.Equal(["create", "patch"], api.Calls.Where(c => c.Resource == "events").Select(c => c.Verb));
    }

    [Fact]
    public async Task An_event_about_a_cluster_scoped_object_goes_to_the_default_namespace_and_an_expired_one_is_written_anew()
    {
        var api = new FakeApiClient(_time);
        var node = api.Seed(new V1Node { Metadata = new V1ObjectMeta { Name = "n1" } });
        await using var broadcaster = new EventBroadcaster(api, _time, NullLogger.Instance);
        broadcaster.Start();
        var recorder = broadcaster.NewRecorder("kubelet", "n1");
        recorder.Event(node, EventTypes.Normal, "NodeReady", "Node n1 status is now: NodeReady");
        await Eventually.TrueAsync(() => broadcaster.Written == 1, "the event");
        var first = Assert.Single(api.All<Corev1Event>());
        Assert.Equal("default", first.Metadata.NamespaceProperty);
        Assert.Equal("Node", first.InvolvedObject.Kind);

        await api.DeleteAsync<Corev1Event>("default", first.Metadata.Name, null, default); // its TTL ran out
        recorder.Event(node, EventTypes.Normal, "NodeReady", "Node n1 status is now: NodeReady");
        await Eventually.TrueAsync(() => broadcaster.Written == 2, "the repeat");
        Assert.Single(api.All<Corev1Event>());
    }
}
