using k8s;
using k8s.Models;

namespace Skiff.Client.Events;

/// <summary>
/// Records events about objects (client-go's EventRecorder). Never blocks and never fails: events are written in
/// the background, aggregated and rate-limited; when the API is slow, some are dropped.
/// </summary>
public interface IEventRecorder
{
    /// <param name="regarding">The object the event is about (its kind and apiVersion come from its model type).</param>
    /// <param name="type"><see cref="EventTypes.Normal"/> or <see cref="EventTypes.Warning"/>.</param>
    /// <param name="reason">A short CamelCase reason, e.g. <c>Scheduled</c>, <c>Pulled</c>.</param>
    /// <param name="message">What happened, for humans.</param>
    void Event(IKubernetesObject<V1ObjectMeta> regarding, string type, string reason, string message);

    /// <summary>An event about a reference, e.g. one container of a pod (<c>fieldPath: spec.containers{web}</c>).</summary>
    void Event(V1ObjectReference regarding, string type, string reason, string message);
}

/// <summary>The two event types.</summary>
public static class EventTypes
{
    public const string Normal = "Normal";
    public const string Warning = "Warning";
}
