using k8s.Models;
using Skiff.Apimachinery.Printing;
using Skiff.Apimachinery.Validation;

namespace Skiff.Apimachinery.Strategies.Storage;

/// <summary>
/// The rules of a StorageClass (storage.k8s.io/v1, cluster-scoped), as upstream's ValidateStorageClass(Update):
/// provisioner required (a qualified name), parameters at most 512 with non-empty keys, reclaimPolicy Delete by
/// default (Delete or Retain), volumeBindingMode Immediate by default (Immediate or WaitForFirstConsumer); parameters,
/// provisioner, reclaimPolicy and volumeBindingMode never change. Printer: NAME (with " (default)" for the default
/// class) PROVISIONER RECLAIMPOLICY VOLUMEBINDINGMODE ALLOWVOLUMEEXPANSION AGE.
/// </summary>
public sealed class StorageClassStrategy : ResourceStrategy<V1StorageClass>
{
    public const string IsDefaultAnnotation = "storageclass.kubernetes.io/is-default-class";
    public const string BetaIsDefaultAnnotation = "storageclass.beta.kubernetes.io/is-default-class";

    private const int MaxParameters = 512;
    private const int MaxParametersSize = 256 * 1024;

    private static readonly string[] ReclaimPolicies = ["Delete", "Retain"];
    private static readonly string[] BindingModes = ["Immediate", "WaitForFirstConsumer"];

    public StorageClassStrategy()
        : base(namespaced: false, validateName: NameRules.NameIsDns1123Subdomain, hasStatusSubresource: false, tracksGeneration: false)
    {
    }

    public override IReadOnlyList<TableColumn> Columns { get; } =
    [
        Column.Name,
        Column.String("Provisioner", "provisioner indicates the type of the provisioner."),
        Column.String("ReclaimPolicy", "reclaimPolicy controls the reclaimPolicy for dynamically provisioned PersistentVolumes of this storage class. Defaults to Delete."),
        Column.String("VolumeBindingMode", "volumeBindingMode indicates how PersistentVolumeClaims should be provisioned and bound.  When unset, VolumeBindingImmediate is used. This field is only honored by servers that enable the VolumeScheduling feature."),
        Column.String("AllowVolumeExpansion", "allowVolumeExpansion shows whether the storage class allow volume expand."),
        Column.Age,
    ];

    /// <summary>Whether the class is the cluster's default (IsDefaultAnnotation: the GA or the beta annotation is "true").</summary>
    public static bool IsDefault(V1ObjectMeta? meta) =>
        meta?.Annotations is { } annotations &&
        ((annotations.TryGetValue(IsDefaultAnnotation, out var value) && value == "true") ||
         (annotations.TryGetValue(BetaIsDefaultAnnotation, out var beta) && beta == "true"));

    protected override void ApplyDefaults(V1StorageClass obj)
    {
        obj.ReclaimPolicy ??= "Delete";
        obj.VolumeBindingMode ??= "Immediate";
    }

    protected override IEnumerable<FieldError> Validate(V1StorageClass obj)
    {
        var errors = new List<FieldError>();
        if (string.IsNullOrEmpty(obj.Provisioner))
        {
            errors.Add(FieldErrors.Required("provisioner", string.Empty));
        }
        else
        {
            var lower = obj.Provisioner.ToLowerInvariant();
            errors.AddRange(FieldErrors.InvalidEach("provisioner", lower, NameRules.QualifiedName(lower)));
        }

        var parameters = obj.Parameters ?? new Dictionary<string, string>();
        if (parameters.Count > MaxParameters)
        {
            errors.Add(new FieldError(FieldErrorType.TooLong, "parameters", "Provisioner Parameters exceeded max allowed", $"may not be more than {MaxParameters} bytes"));
        }
        else
        {
            long size = 0;
            foreach (var (key, value) in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
            {
                if (key.Length < 1)
                {
                    errors.Add(FieldErrors.Invalid("parameters", key, "field can not be empty."));
                }

                size += key.Length + (value?.Length ?? 0);
            }

            if (size > MaxParametersSize)
            {
                errors.Add(FieldErrors.TooLong("parameters", MaxParametersSize));
            }
        }

        if (!string.IsNullOrEmpty(obj.ReclaimPolicy) && !ReclaimPolicies.Contains(obj.ReclaimPolicy))
        {
            errors.Add(FieldErrors.NotSupported("reclaimPolicy", obj.ReclaimPolicy, ReclaimPolicies));
        }

        if (obj.VolumeBindingMode is null)
        {
            errors.Add(FieldErrors.Required("volumeBindingMode"));
        }
        else if (!BindingModes.Contains(obj.VolumeBindingMode))
        {
            errors.Add(FieldErrors.NotSupported("volumeBindingMode", obj.VolumeBindingMode, BindingModes));
        }

        return errors;
    }

    protected override IEnumerable<FieldError> ValidateUpdate(V1StorageClass obj, V1StorageClass old)
    {
        // Upstream's update validation checks only metadata and the immutable fields, not the create rules again.
        if (!SameJson(Sorted(obj.Parameters), Sorted(old.Parameters)))
        {
            yield return FieldErrors.Forbidden("parameters", "updates to parameters are forbidden.");
        }

        if (obj.Provisioner != old.Provisioner)
        {
            yield return FieldErrors.Forbidden("provisioner", "updates to provisioner are forbidden.");
        }

        if (obj.ReclaimPolicy != old.ReclaimPolicy)
        {
            yield return FieldErrors.Forbidden("reclaimPolicy", "updates to reclaimPolicy are forbidden.");
        }

        if (obj.VolumeBindingMode != old.VolumeBindingMode)
        {
            yield return FieldErrors.Immutable("volumeBindingMode", obj.VolumeBindingMode);
        }
    }

    protected override IReadOnlyList<object?> Cells(V1StorageClass obj, DateTimeOffset now) =>
    [
        IsDefault(obj.Metadata) ? $"{obj.Metadata?.Name} (default)" : obj.Metadata?.Name,
        obj.Provisioner ?? string.Empty,
        obj.ReclaimPolicy ?? "Delete",
        obj.VolumeBindingMode ?? "Immediate",
        obj.AllowVolumeExpansion ?? false,
        HumanDuration.Since(obj.Metadata?.CreationTimestamp, now),
    ];

    private static SortedDictionary<string, string>? Sorted(IDictionary<string, string>? parameters) =>
        parameters is null or { Count: 0 } ? null : new SortedDictionary<string, string>(parameters, StringComparer.Ordinal);
}
