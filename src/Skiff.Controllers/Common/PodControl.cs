using k8s;
using k8s.Models;
using Skiff.Client;
using Skiff.Client.Api;
using Skiff.Client.Cache;
using Skiff.Client.Events;

namespace Skiff.Controllers.Common;

/// <summary>
/// Creating and deleting the pods of a controller (upstream's controller.PodControl / RealPodControl): a pod from a
/// template named <c>&lt;owner&gt;-&lt;random&gt;</c> with the controller reference, and a deletion, each recorded on
/// the owner as upstream's events (SuccessfulCreate "Created pod: x", FailedCreate "Error creating: ...",
/// SuccessfulDelete "Deleted pod: x", FailedDelete "Error deleting: ..."). A deletion that does not happen (the pod
/// was gone already, or the API refused) is marked observed in the caller's expectations at once, since no watch
/// event will ever lower them.
/// </summary>
public sealed class PodControl
{
    private readonly IApiClient _api;
    private readonly IEventRecorder _events;

    public PodControl(IApiClient api, IEventRecorder events)
    {
        _api = api;
        _events = events;
    }

    /// <summary>GetPodFromTemplate: the template's labels (plus <paramref name="extraLabels"/>), annotations and
    /// finalizers, a copy of its spec unless <paramref name="spec"/> is given, and the controller reference.</summary>
    public static V1Pod FromTemplate(
        V1PodTemplateSpec? template, IKubernetesObject<V1ObjectMeta> owner, V1OwnerReference controllerRef,
        IDictionary<string, string>? labels = null, V1PodSpec? spec = null)
    {
        ArgumentNullException.ThrowIfNull(owner);
        return new V1Pod
        {
            ApiVersion = "v1",
            Kind = "Pod",
            Metadata = new V1ObjectMeta
            {
                GenerateName = owner.Metadata.Name + "-",
                NamespaceProperty = owner.Metadata.NamespaceProperty,
                Labels = labels ?? (template?.Metadata?.Labels is { } l ? new Dictionary<string, string>(l) : null),
                Annotations = template?.Metadata?.Annotations is { } annotations ? new Dictionary<string, string>(annotations) : null,
                Finalizers = template?.Metadata?.Finalizers?.ToList(),
                OwnerReferences = [controllerRef],
            },
            Spec = spec ?? (template?.Spec is { } s ? ObjectCopy.Clone(s) : new V1PodSpec()),
        };
    }

    /// <summary>Creates the pod; the failure is recorded (unless the namespace is being deleted) and thrown (the caller
    /// lowers its expectations).</summary>
    public async Task CreateAsync(IKubernetesObject<V1ObjectMeta> owner, V1Pod pod, CancellationToken cancellationToken)
    {
        try
        {
            var created = await _api.CreateForMetadataAsync(pod, cancellationToken);
            _events.Event(owner, EventTypes.Normal, "SuccessfulCreate", $"Created pod: {created.Name}");
        }
        catch (ApiException e)
        {
            // As upstream: no event when the namespace is being deleted (the event could not be written there either).
            if (!e.IsNamespaceTerminating)
            {
                _events.Event(owner, EventTypes.Warning, "FailedCreate", $"Error creating: {e.Message}");
            }

            throw;
        }
    }

    /// <summary>Deletes the pod; returns the refusal (null when deleted or already gone).</summary>
    public async Task<Exception?> DeleteAsync(
        IKubernetesObject<V1ObjectMeta> owner, V1Pod pod, ControllerExpectations expectations, string key, CancellationToken cancellationToken)
    {
        ArgumentNullException.ThrowIfNull(pod);
        ArgumentNullException.ThrowIfNull(expectations);
        try
        {
            await _api.DeleteAsync<V1Pod>(pod.Metadata.NamespaceProperty, pod.Metadata.Name, null, cancellationToken);
            _events.Event(owner, EventTypes.Normal, "SuccessfulDelete", $"Deleted pod: {pod.Metadata.Name}");
            return null;
        }
        catch (ApiException e) when (e.IsNotFound)
        {
            expectations.DeletionObserved(key, ObjectKeys.Of(pod));
            return null;
        }
        catch (ApiException e)
        {
            expectations.DeletionObserved(key, ObjectKeys.Of(pod));
            _events.Event(owner, EventTypes.Warning, "FailedDelete", $"Error deleting: {e.Message}");
            return e;
        }
    }
}
