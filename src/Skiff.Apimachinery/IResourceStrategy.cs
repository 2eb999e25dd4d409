using k8s;
using k8s.Models;

namespace Skiff.Apimachinery;

/// <summary>
/// The rules of one kind, as Kubernetes' registry strategies hold them. The generic registry in the API server calls
/// these around every write; the strategy never touches storage or HTTP.
/// </summary>
/// <remarks>
/// Objects are the <c>KubernetesClient</c> models (e.g. <c>V1Pod</c>) boxed as <see cref="IKubernetesObject{V1ObjectMeta}"/>.
/// The registry itself sets what is the same for every kind before calling the strategy: uid, creationTimestamp,
/// resourceVersion, name from generateName, namespace from the URL. Timestamps are whole seconds (metav1.Time).
/// </remarks>
public interface IResourceStrategy
{
    /// <summary>Defaults and resets a new object before validation: clears status where Kubernetes does, sets
    /// generation 1 for kinds that track it (workloads; pods have none in 1.32), fills defaults (e.g. a pod's restartPolicy) and initial status (a pod's phase Pending).</summary>
    void PrepareForCreate(IKubernetesObject<V1ObjectMeta> obj, DateTimeOffset now);

    /// <summary>All validation errors of a new object, metadata included; empty when valid.</summary>
    IReadOnlyList<FieldError> ValidateCreate(IKubernetesObject<V1ObjectMeta> obj);

    /// <summary>Before an update of the main resource: keeps <paramref name="old"/>'s status (when the kind has a
    /// status subresource), bumps generation when the spec changed, applies defaults.</summary>
    void PrepareForUpdate(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old, DateTimeOffset now);

    /// <summary>Validation of an update, including immutable fields; empty when valid.</summary>
    IReadOnlyList<FieldError> ValidateUpdate(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old);

    /// <summary>Before an update through the <c>status</c> subresource: keeps <paramref name="old"/>'s spec and
    /// metadata except what a status writer may change.</summary>
    void PrepareForStatusUpdate(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old, DateTimeOffset now);

    /// <summary>Validation of a status update; empty when valid.</summary>
    IReadOnlyList<FieldError> ValidateStatusUpdate(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old);

    /// <summary>The columns of <c>kubectl get</c> for this kind (the Table's columnDefinitions), name column first.</summary>
    IReadOnlyList<TableColumn> Columns { get; }

    /// <summary>One row of cells for <paramref name="obj"/>, matching <see cref="Columns"/>. Age cells are computed
    /// against <paramref name="now"/> the way kubectl prints them (e.g. <c>48s</c>, <c>5m</c>, <c>3d2h</c>).</summary>
    IReadOnlyList<object?> Cells(IKubernetesObject<V1ObjectMeta> obj, DateTimeOffset now);

    /// <summary>The fields a field selector may use, with their values: always <c>metadata.name</c> and
    /// <c>metadata.namespace</c>, plus the kind's own (a pod's <c>spec.nodeName</c>, <c>status.phase</c>, ...).</summary>
    IReadOnlyDictionary<string, string> SelectableFields(IKubernetesObject<V1ObjectMeta> obj);

    /// <summary>
    /// Graceful deletion: the grace period to apply when deleting <paramref name="obj"/> with the client's
    /// <paramref name="requestedGracePeriodSeconds"/>, or null to delete at once. A pod bound to a node returns its
    /// grace period (default its spec's terminationGracePeriodSeconds); an unbound pod and most kinds return null.
    /// </summary>
    long? GracefulDeletionPeriod(IKubernetesObject<V1ObjectMeta> obj, long? requestedGracePeriodSeconds);

    /// <summary>
    /// Whether something besides <c>metadata.finalizers</c> still holds the deletion of <paramref name="obj"/> (a
    /// namespace's <c>spec.finalizers</c>, which the namespace controller empties through <c>/finalize</c>): while
    /// true, an object being deleted stays, and the registry's first delete only marks it.
    /// </summary>
    bool HoldsDeletion(IKubernetesObject<V1ObjectMeta> obj);
}

/// <summary>A Table column as <c>meta.k8s.io/v1</c> defines it.</summary>
/// <param name="Name">e.g. <c>Name</c>; kubectl upper-cases it for the header.</param>
/// <param name="Type">string, integer, number, boolean or date.</param>
/// <param name="Format"><c>name</c> for the name column, else empty.</param>
/// <param name="Description">The column's description.</param>
/// <param name="Priority">0 always shown; 1 only with <c>-o wide</c>.</param>
public sealed record TableColumn(string Name, string Type, string Format, string Description, int Priority);
