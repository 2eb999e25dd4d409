using k8s.Models;
using Skiff.Apimachinery.Strategies;
using Skiff.Apimachinery.Strategies.Events;

namespace Skiff.Apimachinery.Tests;

public sealed class EventKindsTests
{
    private static readonly DateTimeOffset Now = new(2026, 11, 27, 13, 10, 0, TimeSpan.Zero);

    private static Corev1Event KubeletEvent() => new()
    {
        Metadata = new V1ObjectMeta { Name = "web-0.17a3", NamespaceProperty = "default" },
        InvolvedObject = new V1ObjectReference { Kind = "Pod", Name = "web-0", NamespaceProperty = "default", Uid = "u1", FieldPath = "spec.containers{nginx}" },
        Reason = "Pulled",
        Message = "Container image \"nginx\" already present on machine ",
        Type = "Normal",
        Source = new V1EventSource { Component = "kubelet", Host = "node-1" },
        FirstTimestamp = Now.UtcDateTime.AddMinutes(-5),
        LastTimestamp = Now.UtcDateTime.AddSeconds(-30),
        Count = 3,
    };

    [Fact]
    public void Core_event_row()
    {
        var strategy = new EventStrategy();
        Assert.Empty(strategy.ValidateCreate(KubeletEvent()));
        Assert.Equal(["30s", "Normal", "Pulled", "pod/web-0", "spec.containers{nginx}", "kubelet, node-1", "Container image \"nginx\" already present on machine", "5m", 3L, "web-0.17a3"],
            strategy.Cells(KubeletEvent(), Now));
        Assert.Equal(["Last Seen", "Type", "Reason", "Object", "Subobject", "Source", "Message", "First Seen", "Count", "Name"], strategy.Columns.Select(c => c.Name));
        Assert.Equal("name", strategy.Columns[^1].Format);
    }

    [Fact]
    public void Core_event_namespace_must_match_involved_object()
    {
        var e = KubeletEvent();
        e.InvolvedObject.NamespaceProperty = "other";
        Assert.Equal(["involvedObject.namespace: Invalid value: \"other\": does not match event.namespace"],
            new EventStrategy().ValidateCreate(e).Select(x => x.ToString()));
    }

    [Fact]
    public void Describe_field_selectors()
    {
        var fields = new EventStrategy().SelectableFields(KubeletEvent());
        Assert.Equal("Pod", fields["involvedObject.kind"]);
        Assert.Equal("default", fields["involvedObject.namespace"]);
        Assert.Equal("web-0", fields["involvedObject.name"]);
        Assert.Equal("u1", fields["involvedObject.uid"]);
        Assert.Equal("Pulled", fields["reason"]);
        Assert.Equal("kubelet", fields["source"]);
        Assert.Equal("Normal", fields["type"]);
    }

    [Fact]
    public void Events_v1_are_validated_strictly_and_convert_both_ways()
    {
        var e = new Eventsv1Event
        {
            Metadata = new V1ObjectMeta { Name = "web-0.1", NamespaceProperty = "default" },
            EventTime = Now.UtcDateTime.AddSeconds(-10),
            ReportingController = "skiff.io/scheduler",
            ReportingInstance = "scheduler-1",
            Action = "Binding",
            Reason = "Scheduled",
            Note = "Successfully assigned default/web-0 to node-1",
            Type = "Normal",
            Regarding = new V1ObjectReference { Kind = "Pod", Name = "web-0", NamespaceProperty = "default" },
        };
        var strategy = new EventsV1EventStrategy();
        Assert.Empty(strategy.ValidateCreate(e));
        Assert.Equal(["10s", "Normal", "Scheduled", "pod/web-0", "", "skiff.io/scheduler, scheduler-1", "Successfully assigned default/web-0 to node-1", "10s", 1L, "web-0.1"], strategy.Cells(e, Now));

        var core = EventConversion.ToCore(e);
        Assert.Equal(("v1", "Event", "Successfully assigned default/web-0 to node-1", "web-0"), (core.ApiVersion, core.Kind, core.Message, core.InvolvedObject.Name));
        var back = EventConversion.FromCore(core);
        Assert.Equal(("events.k8s.io/v1", e.Note, e.ReportingController), (back.ApiVersion, back.Note, back.ReportingController));

        e.Type = "Loud";
        e.DeprecatedCount = 4;
        e.Action = null;
        var errors = strategy.ValidateCreate(e).Select(x => x.ToString()).ToList();
        Assert.Contains("type: Invalid value: \"\": has invalid value: Loud", errors);
        Assert.Contains("count: Invalid value: \"\": needs to be unset", errors);
        Assert.Contains("action: Required value", errors);
    }
}
