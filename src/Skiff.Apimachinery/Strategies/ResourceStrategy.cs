using System.Reflection;
using k8s;
using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>
/// The parts of a Kubernetes registry strategy that are the same for every kind: ObjectMeta validation, the fields
/// an update keeps, generation, status-vs-spec on the main resource and on <c>/status</c>, default printer columns
/// (NAME, AGE) and the default selectable fields. Each kind derives and overrides the hooks it needs.
/// </summary>
/// <typeparam name="T">The KubernetesClient model, e.g. <see cref="V1Pod"/>.</typeparam>
public abstract class ResourceStrategy<T> : IResourceStrategy
    where T : class, IKubernetesObject<V1ObjectMeta>
{
    // The models name these properties the same way for every kind that has them; looked up once per T.
    private static readonly PropertyInfo? SpecProperty = typeof(T).GetProperty("Spec");
    private static readonly PropertyInfo? StatusProperty = typeof(T).GetProperty("Status");

    private readonly NameValidator _validateName;

    /// <param name="namespaced">Whether objects live in a namespace.</param>
    /// <param name="validateName">The kind's name rule (most kinds: DNS-1123 subdomain).</param>
    /// <param name="hasStatusSubresource">Status is written through <c>/status</c> only: reset on create, kept on
    /// main-resource updates.</param>
    /// <param name="tracksGeneration">metadata.generation is 1 on create and grows by one whenever the spec changes
    /// (deployments, replicasets, daemonsets, jobs; pods do not have it in 1.32).</param>
    protected ResourceStrategy(bool namespaced, NameValidator validateName, bool hasStatusSubresource, bool tracksGeneration)
    {
        Namespaced = namespaced;
        _validateName = validateName;
        HasStatusSubresource = hasStatusSubresource;
        TracksGeneration = tracksGeneration;
    }

    public bool Namespaced { get; }

    public bool HasStatusSubresource { get; }

    public bool TracksGeneration { get; }

    /// <summary>NAME and AGE unless the kind has its own printer.</summary>
    public virtual IReadOnlyList<TableColumn> Columns { get; } = [Column.Name, Column.Age];

    public void PrepareForCreate(IKubernetesObject<V1ObjectMeta> obj, DateTimeOffset now)
    {
        var typed = Cast(obj);
        var meta = typed.Metadata ??= new V1ObjectMeta();
        meta.DeletionTimestamp = null;
        meta.DeletionGracePeriodSeconds = null;
        meta.Generation = TracksGeneration ? 1 : null;
        if (HasStatusSubresource)
        {
            ResetStatus(typed);
        }

        ApplyDefaults(typed);
        OnCreate(typed, now);
    }

    public IReadOnlyList<FieldError> ValidateCreate(IKubernetesObject<V1ObjectMeta> obj)
    {
        var typed = Cast(obj);
        var errors = new List<FieldError>(ObjectMetaValidator.ValidateCreate(typed.Metadata, Namespaced, _validateName));
        errors.AddRange(Validate(typed));
        return errors;
    }

    public void PrepareForUpdate(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old, DateTimeOffset now)
    {
        var typed = Cast(obj);
        var previous = Cast(old);
        KeepSystemMetadata(typed, previous);
        typed.Metadata.Generation = previous.Metadata?.Generation;
        if (HasStatusSubresource && StatusProperty is not null)
        {
            StatusProperty.SetValue(typed, StatusProperty.GetValue(previous));
        }

        ApplyDefaults(typed);
        if (TracksGeneration && !SameJson(SpecProperty?.GetValue(typed), SpecProperty?.GetValue(previous)))
        {
            typed.Metadata.Generation = (previous.Metadata?.Generation ?? 0) + 1;
        }

        OnUpdate(typed, previous, now);
    }

    public IReadOnlyList<FieldError> ValidateUpdate(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old)
    {
        var typed = Cast(obj);
        var previous = Cast(old);
        var errors = new List<FieldError>(ObjectMetaValidator.ValidateUpdate(typed.Metadata, previous.Metadata, Namespaced, _validateName));
        errors.AddRange(ValidateUpdate(typed, previous));
        return errors;
    }

    public void PrepareForStatusUpdate(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old, DateTimeOffset now)
    {
        var typed = Cast(obj);
        var previous = Cast(old);
        KeepSystemMetadata(typed, previous);

        // metav1.ResetObjectMetaForStatus: a status writer changes status only.
        var meta = typed.Metadata;
        var oldMeta = previous.Metadata ?? new V1ObjectMeta();
        meta.Generation = oldMeta.Generation;
        meta.Labels = oldMeta.Labels;
        meta.Annotations = oldMeta.Annotations;
        meta.Finalizers = oldMeta.Finalizers;
        meta.OwnerReferences = oldMeta.OwnerReferences;
        meta.DeletionTimestamp = oldMeta.DeletionTimestamp;
        meta.DeletionGracePeriodSeconds = oldMeta.DeletionGracePeriodSeconds;
        SpecProperty?.SetValue(typed, SpecProperty.GetValue(previous));
        OnStatusUpdate(typed, previous, now);
    }

    public IReadOnlyList<FieldError> ValidateStatusUpdate(IKubernetesObject<V1ObjectMeta> obj, IKubernetesObject<V1ObjectMeta> old)
    {
        var typed = Cast(obj);
        var previous = Cast(old);
        var errors = new List<FieldError>(ObjectMetaValidator.ValidateUpdate(typed.Metadata, previous.Metadata, Namespaced, _validateName));
        errors.AddRange(ValidateStatus(typed, previous));
        return errors;
    }

    public IReadOnlyList<object?> Cells(IKubernetesObject<V1ObjectMeta> obj, DateTimeOffset now) => Cells(Cast(obj), now);

    public IReadOnlyDictionary<string, string> SelectableFields(IKubernetesObject<V1ObjectMeta> obj)
    {
        var typed = Cast(obj);
        var fields = new Dictionary<string, string>(16, StringComparer.Ordinal)
        {
            ["metadata.name"] = typed.Metadata?.Name ?? string.Empty,
        };
        if (Namespaced)
        {
            fields["metadata.namespace"] = typed.Metadata?.NamespaceProperty ?? string.Empty;
        }

        AddSelectableFields(typed, fields);
        return new SelectableFieldValues(fields);
    }

    public long? GracefulDeletionPeriod(IKubernetesObject<V1ObjectMeta> obj, long? requestedGracePeriodSeconds) =>
        GracefulDeletionPeriod(Cast(obj), requestedGracePeriodSeconds);

    /// <summary>Fills the kind's defaults (Kubernetes' SetDefaults_*); runs on create and on every update.</summary>
    protected virtual void ApplyDefaults(T obj)
    {
    }

    /// <summary>Kind-specific create preparation after defaults (e.g. a pod's initial status).</summary>
    protected virtual void OnCreate(T obj, DateTimeOffset now)
    {
    }

    /// <summary>Kind-specific update preparation after defaults and generation.</summary>
    protected virtual void OnUpdate(T obj, T old, DateTimeOffset now)
    {
    }

    /// <summary>Kind-specific status-update preparation after spec and metadata were restored.</summary>
    protected virtual void OnStatusUpdate(T obj, T old, DateTimeOffset now)
    {
    }

    /// <summary>The kind's own validation (spec, data, ...), metadata excluded.</summary>
    protected virtual IEnumerable<FieldError> Validate(T obj) => [];

    /// <summary>The kind's own update validation; by default the create rules applied to the new object.</summary>
    protected virtual IEnumerable<FieldError> ValidateUpdate(T obj, T old) => Validate(obj);

    /// <summary>The kind's own status validation.</summary>
    protected virtual IEnumerable<FieldError> ValidateStatus(T obj, T old) => [];

    /// <summary>Cells matching <see cref="Columns"/>.</summary>
    protected virtual IReadOnlyList<object?> Cells(T obj, DateTimeOffset now) =>
        [obj.Metadata?.Name, HumanDuration.Since(obj.Metadata?.CreationTimestamp, now)];

    /// <summary>Adds the kind's own field-selector fields.</summary>
    protected virtual void AddSelectableFields(T obj, IDictionary<string, string> fields)
    {
    }

    /// <summary>Most kinds are deleted at once.</summary>
    protected virtual long? GracefulDeletionPeriod(T obj, long? requestedGracePeriodSeconds) => null;

    public bool HoldsDeletion(IKubernetesObject<V1ObjectMeta> obj) => HoldsDeletion(Cast(obj));

    /// <summary>Only metadata.finalizers hold most kinds' deletion.</summary>
    protected virtual bool HoldsDeletion(T obj) => false;

    /// <summary>The status a new object starts with; by default an empty one (<c>status: {}</c>).</summary>
    protected virtual void ResetStatus(T obj)
    {
        if (StatusProperty is not null)
        {
            StatusProperty.SetValue(obj, Activator.CreateInstance(StatusProperty.PropertyType));
        }
    }

    /// <summary>Whether two model values serialize to the same JSON (deep equality for the generated models).</summary>
    protected static bool SameJson(object? left, object? right) =>
        ReferenceEquals(left, right)
        || (left is not null && right is not null && KubernetesJson.Serialize(left) == KubernetesJson.Serialize(right));

    private static void KeepSystemMetadata(T obj, T old)
    {
        // rest.BeforeUpdate: uid and creationTimestamp come from the stored object; an update cannot undo a deletion.
        var meta = obj.Metadata ??= new V1ObjectMeta();
        var oldMeta = old.Metadata ?? new V1ObjectMeta();
        if (string.IsNullOrEmpty(meta.Uid))
        {
            meta.Uid = oldMeta.Uid;
        }

        if (oldMeta.CreationTimestamp is not null)
        {
            meta.CreationTimestamp = oldMeta.CreationTimestamp;
        }

        meta.DeletionTimestamp ??= oldMeta.DeletionTimestamp;
        meta.DeletionGracePeriodSeconds ??= oldMeta.DeletionGracePeriodSeconds;
    }

    private static T Cast(IKubernetesObject<V1ObjectMeta> obj) =>
        obj as T ?? throw new ArgumentException($"Expected a {typeof(T).Name}, got {obj.GetType().Name}.", nameof(obj));
}
