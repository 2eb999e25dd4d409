using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies;

/// <summary>
/// The rules of a namespace: DNS-1123 label names, the <c>kubernetes.io/metadata.name</c> label, phase Active and
/// the <c>kubernetes</c> finalizer on create; spec.finalizers change only through <c>/finalize</c>, never by update.
/// </summary>
/// <remarks>Deleting a namespace is not graceful deletion: the registry's first delete sets phase Terminating and a
/// deletionTimestamp; the namespace controller empties it, then removes the <c>kubernetes</c> finalizer through
/// <c>/finalize</c>, and the namespace goes once spec.finalizers and metadata.finalizers are both empty.</remarks>
public sealed class NamespaceStrategy : ResourceStrategy<V1Namespace>
{
    public const string NameLabel = "kubernetes.io/metadata.name";
    public const string KubernetesFinalizer = "kubernetes";

    public NamespaceStrategy()
        : base(namespaced: false, validateName: NameRules.NameIsDns1123Label, hasStatusSubresource: true, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
        [Column.Name, Column.String("Status", "The status of the namespace"), Column.Age];

    /// <summary>SetDefaults_Namespace: the label that names the namespace, kept equal to the name.</summary>
    protected override void ApplyDefaults(V1Namespace obj)
    {
        if (string.IsNullOrEmpty(obj.Metadata.Name))
        {
            return;
        }

        obj.Metadata.Labels ??= new Dictionary<string, string>();
        obj.Metadata.Labels[NameLabel] = obj.Metadata.Name;
    }

    protected override void ResetStatus(V1Namespace obj) => obj.Status = new V1NamespaceStatus { Phase = "Active" };

    protected override void OnCreate(V1Namespace obj, DateTimeOffset now)
    {
        var spec = obj.Spec ??= new V1NamespaceSpec();
        spec.Finalizers ??= [];
        if (!spec.Finalizers.Contains(KubernetesFinalizer))
        {
            spec.Finalizers.Add(KubernetesFinalizer);
        }
    }

    protected override void OnUpdate(V1Namespace obj, V1Namespace old, DateTimeOffset now) =>
        obj.Spec = old.Spec is null ? null : new V1NamespaceSpec { Finalizers = old.Spec.Finalizers };

    /// <summary>A namespace goes only once its spec.finalizers are empty too (upstream's
    /// ShouldDeleteNamespaceDuringUpdate).</summary>
    protected override bool HoldsDeletion(V1Namespace obj) => obj.Spec?.Finalizers is { Count: > 0 };

    /// <summary>The <c>/finalize</c> subresource (upstream's FinalizeREST strategy): the current namespace with the
    /// request's spec.finalizers, nothing else; validated as any update.</summary>
    public static V1Namespace Finalize(V1Namespace current, V1Namespace request)
    {
        ArgumentNullException.ThrowIfNull(current);
        ArgumentNullException.ThrowIfNull(request);
        current.Spec ??= new V1NamespaceSpec();
        current.Spec.Finalizers = request.Spec?.Finalizers is { } finalizers ? [.. finalizers] : null;
        return current;
    }

    protected override IEnumerable<FieldError> Validate(V1Namespace obj)
    {
        var finalizers = obj.Spec?.Finalizers ?? [];
        for (var i = 0; i < finalizers.Count; i++)
        {
            var finalizer = finalizers[i] ?? string.Empty;
            if (finalizer == KubernetesFinalizer)
            {
                continue;
            }

            foreach (var message in NameRules.QualifiedName(finalizer))
            {
                yield return FieldErrors.Invalid($"spec.finalizers[{i}]", finalizer, message);
            }

            if (!finalizer.Contains('/', StringComparison.Ordinal))
            {
                yield return FieldErrors.Invalid($"spec.finalizers[{i}]", finalizer,
                    "name is neither a standard finalizer name nor is it fully qualified");
            }
        }
    }

    protected override IReadOnlyList<object?> Cells(V1Namespace obj, DateTimeOffset now) =>
        [obj.Metadata?.Name, obj.Status?.Phase ?? string.Empty, HumanDuration.Since(obj.Metadata?.CreationTimestamp, now)];

    protected override void AddSelectableFields(V1Namespace obj, IDictionary<string, string> fields)
    {
        fields["status.phase"] = obj.Status?.Phase ?? string.Empty;
        fields["name"] = obj.Metadata?.Name ?? string.Empty; // Kubernetes keeps this legacy field label
    }
}
