using k8s;
using k8s.Models;

namespace Skiff.Apimachinery.Strategies.Events;

/// <summary>
/// events.k8s.io/v1 ⇄ core/v1 Event, field by field as Kubernetes converts them (note ⇄ message, regarding ⇄
/// involvedObject, deprecatedSource ⇄ source, deprecatedFirstTimestamp ⇄ firstTimestamp, ...). Kubernetes stores both
/// as one object under <c>/registry/events/</c>; so does Skiff, in the core shape.
/// </summary>
public sealed class EventConversion : IStorageConversion
{
    public Type StorageModelType => typeof(Corev1Event);

    public IKubernetesObject<V1ObjectMeta> ToStorage(IKubernetesObject<V1ObjectMeta> served) =>
        served is Eventsv1Event e ? ToCore(e) : throw new ArgumentException($"Expected an Eventsv1Event, got {served.GetType().Name}.", nameof(served));

    public IKubernetesObject<V1ObjectMeta> FromStorage(IKubernetesObject<V1ObjectMeta> stored) =>
        stored is Corev1Event e ? FromCore(e) : throw new ArgumentException($"Expected a Corev1Event, got {stored.GetType().Name}.", nameof(stored));

    public static Corev1Event ToCore(Eventsv1Event e) => new()
    {
        ApiVersion = "v1",
        Kind = "Event",
        Metadata = e.Metadata,
        EventTime = e.EventTime,
        Series = e.Series is null ? null : new Corev1EventSeries { Count = e.Series.Count, LastObservedTime = e.Series.LastObservedTime },
        ReportingComponent = e.ReportingController,
        ReportingInstance = e.ReportingInstance,
        Action = e.Action,
        Reason = e.Reason,
        InvolvedObject = e.Regarding ?? new V1ObjectReference(),
        Related = e.Related,
        Message = e.Note,
        Type = e.Type,
        Source = e.DeprecatedSource,
        FirstTimestamp = e.DeprecatedFirstTimestamp,
        LastTimestamp = e.DeprecatedLastTimestamp,
        Count = e.DeprecatedCount,
    };

    public static Eventsv1Event FromCore(Corev1Event e) => new()
    {
        ApiVersion = "events.k8s.io/v1",
        Kind = "Event",
        Metadata = e.Metadata,
        EventTime = e.EventTime,
        Series = e.Series is null ? null : new Eventsv1EventSeries { Count = e.Series.Count ?? 0, LastObservedTime = e.Series.LastObservedTime ?? default },
        ReportingController = e.ReportingComponent,
        ReportingInstance = e.ReportingInstance,
        Action = e.Action,
        Reason = e.Reason,
        Regarding = e.InvolvedObject,
        Related = e.Related,
        Note = e.Message,
        Type = e.Type,
        DeprecatedSource = e.Source,
        DeprecatedFirstTimestamp = e.FirstTimestamp,
        DeprecatedLastTimestamp = e.LastTimestamp,
        DeprecatedCount = e.Count,
    };
}
